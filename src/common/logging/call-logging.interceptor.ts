import { Inject, Injectable, type CallHandler, type ExecutionContext, type NestInterceptor } from '@nestjs/common';
import { GqlExecutionContext } from '@nestjs/graphql';
import type { GraphQLResolveInfo } from 'graphql';
import type { Logger } from 'pino';
import { tap, type Observable } from 'rxjs';
import { CallMetrics } from '../metrics/call-metrics.js';
import { LOGGER } from '../tokens.js';
import { currentContext } from './request-context.js';

/** One access-log line per successful call; failures are logged by AllExceptionsFilter. */
@Injectable()
export class CallLoggingInterceptor implements NestInterceptor {
  constructor(
    @Inject(LOGGER) private readonly logger: Logger,
    private readonly calls: CallMetrics,
  ) {}

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    const store = currentContext();
    if (store && context.getType<string>() === 'graphql') {
      const info = GqlExecutionContext.create(context).getInfo<GraphQLResolveInfo>();
      // Only root fields are calls; nested field resolvers are part of their parent's call.
      if (info.path.prev !== undefined) return next.handle();
      store.operation = `${info.operation.operation} ${info.fieldName}`;
    }
    return next.handle().pipe(
      tap({
        complete: () => {
          this.logger.info({ duration_ms: store ? Date.now() - store.startedAt : undefined, caller: store?.caller?.sub }, 'call completed');
          if (store) this.calls.completed(context, store);
        },
      }),
    );
  }
}
