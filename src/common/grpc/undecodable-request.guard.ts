import { Injectable, type CallHandler, type ExecutionContext, type NestInterceptor } from '@nestjs/common';
import type { Observable } from 'rxjs';
import { AppError } from '../errors/app-error.js';

const UNDECODABLE = Symbol('undecodable gRPC request');

interface Undecodable {
  [UNDECODABLE]: string;
}

interface MethodDefinition {
  path: string;
  requestDeserialize: (buffer: Buffer) => unknown;
}

/**
 * grpc-js answers a request body that does not decode as its message with INTERNAL, which would
 * blame the server for a client's mistake. The request deserializers are wrapped so that such a
 * body reaches the pipeline as a marker, and UndecodableRequestInterceptor turns it into
 * common.validation_failed (InvalidArgument) after authentication.
 */
export function markUndecodableRequests(packageDefinition: Record<string, unknown>, services: readonly string[]): void {
  for (const service of services) {
    const methods = packageDefinition[service] as Record<string, MethodDefinition> | undefined;
    for (const method of Object.values(methods ?? {})) {
      const decode = method.requestDeserialize;
      method.requestDeserialize = (buffer: Buffer) => {
        try {
          return decode(buffer);
        } catch (err) {
          const reason = err instanceof Error ? err.message : String(err);
          return { [UNDECODABLE]: `not a valid ${method.path.split('/').pop()} request message (${reason})` } satisfies Undecodable;
        }
      };
    }
  }
}

@Injectable()
export class UndecodableRequestInterceptor implements NestInterceptor {
  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    if (context.getType() === 'rpc') {
      const data = context.switchToRpc().getData<unknown>();
      if (typeof data === 'object' && data !== null && UNDECODABLE in data) {
        throw AppError.invalidField('request', (data as Undecodable)[UNDECODABLE]);
      }
    }
    return next.handle();
  }
}
