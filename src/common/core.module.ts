import { Global, Module, type DynamicModule } from '@nestjs/common';
import { APP_FILTER, APP_GUARD, APP_INTERCEPTOR } from '@nestjs/core';
import type { Logger } from 'pino';
import type { AppConfig } from '../config/app-config.js';
import { AuthGuard } from './auth/auth.guard.js';
import { JWT_CLAIMS, JWT_SECRET, TokenService } from './auth/token.service.js';
import { Clock } from './clock.js';
import { IdGenerator } from './id-generator.js';
import { AllExceptionsFilter } from './errors/all-exceptions.filter.js';
import { UndecodableRequestGuard } from './grpc/undecodable-request.guard.js';
import { InputTextGuard } from './validation/input-text.guard.js';
import { InProcessEmitter } from './in-process-events.js';
import { CallLoggingInterceptor } from './logging/call-logging.interceptor.js';
import { MetricsModule } from './metrics/metrics.module.js';
import { SecretBox } from './secrets/secret-box.js';
import { SecretsAtRest } from './secrets/secrets-at-rest.service.js';
import { RestartService } from './system/restart.service.js';
import { APP_CONFIG, LOGGER } from './tokens.js';

export interface CoreOptions {
  config: AppConfig;
  logger: Logger;
  jwtSecret: string;
  /** The keyring secrets at rest are sealed with (resolveKeyring). */
  secretBox: SecretBox;
}

/**
 * Cross-cutting services every module may inject: configuration, logger, clock, ids, tokens,
 * the typed in-process events (InProcessEmitter),
 * the restart request (RestartServer), metrics (MetricsModule);
 * and the global guards, filter and interceptor that give all three transports one auth and
 * one error model. gRPC has its own enhancer list with the same guards and filter (see
 * GRPC_ENHANCERS) and no interceptor: its access line and call metrics are written by grpc-js
 * (grpcAccessLog).
 */
/** What the gRPC transport runs around each handler, in order: the guards, then the filter. */
export const GRPC_ENHANCERS = { guards: [AuthGuard, UndecodableRequestGuard, InputTextGuard], filters: [AllExceptionsFilter] } as const;

@Global()
@Module({})
export class CoreModule {
  static forRoot(options: CoreOptions): DynamicModule {
    return {
      module: CoreModule,
      imports: [MetricsModule],
      providers: [
        { provide: APP_CONFIG, useValue: options.config },
        { provide: LOGGER, useValue: options.logger },
        { provide: JWT_SECRET, useValue: options.jwtSecret },
        { provide: JWT_CLAIMS, useValue: options.config.jwt },
        { provide: SecretBox, useValue: options.secretBox },
        SecretsAtRest,
        TokenService,
        Clock,
        IdGenerator,
        InProcessEmitter,
        RestartService,
        AuthGuard,
        UndecodableRequestGuard,
        InputTextGuard,
        AllExceptionsFilter,
        // HTTP and GraphQL. Guards run in this order: authentication first. The gRPC transport
        // gets the same guard and filter instances in the same order (GRPC_ENHANCERS, bootstrap.ts).
        { provide: APP_GUARD, useExisting: AuthGuard },
        { provide: APP_GUARD, useExisting: UndecodableRequestGuard },
        { provide: APP_GUARD, useExisting: InputTextGuard },
        { provide: APP_FILTER, useExisting: AllExceptionsFilter },
        { provide: APP_INTERCEPTOR, useClass: CallLoggingInterceptor },
      ],
      exports: [APP_CONFIG, LOGGER, SecretBox, SecretsAtRest, TokenService, Clock, IdGenerator, InProcessEmitter, RestartService, AuthGuard, UndecodableRequestGuard, InputTextGuard, AllExceptionsFilter],
    };
  }
}
