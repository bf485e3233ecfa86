import { Injectable, type CanActivate, type ExecutionContext } from '@nestjs/common';
import { GqlExecutionContext } from '@nestjs/graphql';
import type { Request } from 'express';
import { assertInputText } from './input-text.js';

/**
 * Holds every request to the one string rule (inputTextViolation) before a handler sees it: the
 * REST body, query and path parameters, a GraphQL field's arguments (variables and literals
 * alike, as graphql-js coerced them), a gRPC request message. Registered after AuthGuard and
 * UndecodableRequestGuard, so a caller without a token learns nothing about the rules and an
 * undecodable gRPC message gets its own answer. JSON carried as text (`data_json`,
 * `config_json`, `args_json`) is held to it where it is parsed.
 */
@Injectable()
export class InputTextGuard implements CanActivate {
  canActivate(context: ExecutionContext): boolean {
    const type = context.getType<'http' | 'rpc' | 'graphql'>();
    if (type === 'http') {
      const req = context.switchToHttp().getRequest<Request>();
      assertInputText(req.params, '');
      assertInputText(req.query, '');
      assertInputText(req.body, '');
    } else if (type === 'graphql') {
      assertInputText(GqlExecutionContext.create(context).getArgs(), '');
    } else if (type === 'rpc') {
      assertInputText(context.switchToRpc().getData(), '');
    }
    return true;
  }
}
