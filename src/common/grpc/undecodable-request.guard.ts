import { Injectable, type CanActivate, type ExecutionContext } from '@nestjs/common';
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
 * body reaches the pipeline as a marker, and UndecodableRequestGuard turns it into
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

/**
 * Registered after AuthGuard, so a caller without a valid token learns nothing about the body.
 * A guard rather than an interceptor: Nest runs guards as plain calls, while each interceptor adds
 * a layer of observables and async-scope binding to every call.
 */
@Injectable()
export class UndecodableRequestGuard implements CanActivate {
  canActivate(context: ExecutionContext): boolean {
    if (context.getType() === 'rpc') {
      const data = context.switchToRpc().getData<unknown>();
      if (typeof data === 'object' && data !== null && UNDECODABLE in data) {
        throw AppError.invalidField('request', (data as Undecodable)[UNDECODABLE]);
      }
    }
    return true;
  }
}
