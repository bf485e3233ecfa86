import { SetMetadata } from '@nestjs/common';
import type { Permission } from './caller.js';

/**
 * What a handler requires of its caller. Every transport handler declares one; a handler that
 * declares none is treated as admin-only (fail closed).
 */
export type AccessRule =
  | { kind: 'public' }
  | { kind: 'authenticated' }
  | { kind: 'admin' }
  | { kind: 'permission'; permission: Permission };

export const ACCESS_RULE = 'switchboard:access-rule';

/** No token needed (health, server info). */
export const Public = () => SetMetadata(ACCESS_RULE, { kind: 'public' } satisfies AccessRule);
/** Any valid token. */
export const Authenticated = () => SetMetadata(ACCESS_RULE, { kind: 'authenticated' } satisfies AccessRule);
/** role = admin. */
export const AdminOnly = () => SetMetadata(ACCESS_RULE, { kind: 'admin' } satisfies AccessRule);
/** The permission in the token's `permissions` claim, or role = admin. */
export const RequirePermission = (permission: Permission) =>
  SetMetadata(ACCESS_RULE, { kind: 'permission', permission } satisfies AccessRule);
