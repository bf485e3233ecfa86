import { Injectable, type CanActivate, type ExecutionContext } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { GqlExecutionContext } from '@nestjs/graphql';
import type { Metadata } from '@grpc/grpc-js';
import type { Request } from 'express';
import { AppError } from '../errors/app-error.js';
import { currentContext } from '../logging/request-context.js';
import { ACCESS_RULE, type AccessRule } from './access.decorator.js';
import { hasPermission, isAdmin, type Caller } from './caller.js';
import { bearerToken, TokenService } from './token.service.js';

const ADMIN_ONLY: AccessRule = { kind: 'admin' };

/**
 * One guard for gRPC, GraphQL and REST: reads `authorization: Bearer <JWT>` from gRPC metadata or
 * the HTTP header, verifies it, and checks the handler's declared access rule. The verified caller
 * is kept in the call's RequestContext, where @CurrentCaller() reads it.
 */
@Injectable()
export class AuthGuard implements CanActivate {
  /** Each handler's rule, read from its decorators once (they do not change after boot). */
  private readonly rules = new WeakMap<object, WeakMap<object, AccessRule>>();

  constructor(
    private readonly reflector: Reflector,
    private readonly tokens: TokenService,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const rule = this.ruleOf(context.getClass(), context.getHandler());
    if (rule.kind === 'public') return true;

    const header = authorizationHeader(context);
    if (header === undefined) throw new AppError('auth.missing_token', 'Missing "authorization: Bearer <token>"');
    const token = bearerToken(header);
    if (token === null) throw new AppError('auth.invalid_token', 'Authorization must be "Bearer <token>"');
    const caller = await this.tokens.verify(token);

    const store = currentContext();
    if (store) store.caller = caller;

    assertAllowed(rule, caller);
    return true;
  }

  private ruleOf(controller: object, handler: object): AccessRule {
    let byHandler = this.rules.get(controller);
    if (byHandler === undefined) {
      byHandler = new WeakMap();
      this.rules.set(controller, byHandler);
    }
    let rule = byHandler.get(handler);
    if (rule === undefined) {
      rule = this.reflector.getAllAndOverride<AccessRule | undefined>(ACCESS_RULE, [handler as () => void, controller as () => void]) ?? ADMIN_ONLY;
      byHandler.set(handler, rule);
    }
    return rule;
  }
}

export function assertAllowed(rule: AccessRule, caller: Caller): void {
  switch (rule.kind) {
    case 'public':
    case 'authenticated':
      return;
    case 'admin':
      if (!isAdmin(caller)) throw new AppError('auth.permission_denied', 'This operation requires the admin role');
      return;
    case 'permission':
      if (!hasPermission(caller, rule.permission)) {
        throw new AppError('auth.permission_denied', `This operation requires the permission "${rule.permission}"`, {
          permission: rule.permission,
        });
      }
      return;
  }
}

function authorizationHeader(context: ExecutionContext): unknown {
  switch (context.getType<'http' | 'rpc' | 'graphql'>()) {
    case 'rpc': {
      const values = context.switchToRpc().getContext<Metadata>().get('authorization');
      return values.length > 0 ? values[0].toString() : undefined;
    }
    case 'graphql':
      return GqlExecutionContext.create(context).getContext<{ req: Request }>().req?.headers.authorization;
    default:
      return context.switchToHttp().getRequest<Request>().headers.authorization;
  }
}
