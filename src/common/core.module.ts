import { Global, Module, type DynamicModule } from '@nestjs/common';
import { APP_FILTER, APP_GUARD, APP_INTERCEPTOR } from '@nestjs/core';
import type { Logger } from 'pino';
import type { AppConfig } from '../config/app-config.js';
import { AuthGuard } from './auth/auth.guard.js';
import { JWT_SECRET, TokenService } from './auth/token.service.js';
import { Clock } from './clock.js';
import { IdGenerator } from './id-generator.js';
import { AllExceptionsFilter } from './errors/all-exceptions.filter.js';
import { UndecodableRequestInterceptor } from './grpc/undecodable-request.interceptor.js';
import { CallLoggingInterceptor } from './logging/call-logging.interceptor.js';
import { MetricsModule } from './metrics/metrics.module.js';
import { RestartService } from './system/restart.service.js';
import { APP_CONFIG, LOGGER } from './tokens.js';

export interface CoreOptions {
  config: AppConfig;
  logger: Logger;
  jwtSecret: string;
}

/**
 * Cross-cutting services every module may inject: configuration, logger, clock, ids, tokens,
 * the restart request (RestartServer), metrics (MetricsModule);
 * and the global guard, filter and interceptor that give all three transports one auth and
 * one error model.
 */
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
        TokenService,
        Clock,
        IdGenerator,
        RestartService,
        { provide: APP_GUARD, useClass: AuthGuard },
        { provide: APP_FILTER, useClass: AllExceptionsFilter },
        { provide: APP_INTERCEPTOR, useClass: CallLoggingInterceptor },
        { provide: APP_INTERCEPTOR, useClass: UndecodableRequestInterceptor },
      ],
      exports: [APP_CONFIG, LOGGER, TokenService, Clock, IdGenerator, RestartService],
    };
  }
}
