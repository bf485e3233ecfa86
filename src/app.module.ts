import { Module, type DynamicModule, type Type } from '@nestjs/common';
import { EventEmitterModule } from '@nestjs/event-emitter';
import { ApolloDriver, type ApolloDriverConfig } from '@nestjs/apollo';
import { GraphQLModule } from '@nestjs/graphql';
import { TokenService } from './common/auth/token.service.js';
// Installs the one error table (every module's codes) before any module code runs.
import './app.errors.js';
import { runsApi, runsWorker } from './config/app-config.js';
import { CoreModule, type CoreOptions } from './common/core.module.js';
import { DatabaseModule, type DatabaseOptions } from './common/database/database.module.js';
import { graphqlOptions } from './common/graphql/graphql-options.js';
import { SystemModule } from './common/system/system.module.js';
import { WorkerModule } from './common/worker/worker.module.js';
import { EventsIngressModule } from './modules/events/events-ingress.module.js';
import { EventsModule } from './modules/events/events.module.js';
import { IntegrationModule } from './modules/integration/integration.module.js';
import { NotificationApiModule } from './modules/notification/notification-api.module.js';
import { NotificationModule } from './modules/notification/notification.module.js';
import { PluginsModule } from './modules/plugins/plugins.module.js';

export interface AppModuleOptions extends CoreOptions {
  database: DatabaseOptions;
  imports?: (Type | DynamicModule)[];
}

/**
 * The modular monolith. The role decides what is mounted: `api` serves GraphQL (and gRPC, connected
 * in bootstrap.ts) and event ingress; `worker` mounts WorkerModule, which starts the background
 * loops (relay, dispatcher, health cron, record retention); `all` both. Domain modules are the
 * same in every role.
 */
@Module({})
export class AppModule {
  static forRoot(options: AppModuleOptions): DynamicModule {
    const { config } = options;
    return {
      module: AppModule,
      imports: [
        CoreModule.forRoot(options),
        DatabaseModule.forRoot(options.database),
        EventEmitterModule.forRoot({ wildcard: false }),
        ...(runsApi(config)
          ? [
              GraphQLModule.forRootAsync<ApolloDriverConfig>({
                driver: ApolloDriver,
                inject: [TokenService],
                useFactory: (tokens: TokenService) => graphqlOptions(config.graphql, (token) => tokens.verify(token).then(() => true, () => false)),
              }),
            ]
          : []),
        SystemModule,
        PluginsModule,
        IntegrationModule,
        NotificationModule,
        EventsModule,
        ...(runsApi(config) ? [EventsIngressModule, NotificationApiModule] : []),
        ...(runsWorker(config) ? [WorkerModule] : []),
        ...(options.imports ?? []),
      ],
    };
  }
}
