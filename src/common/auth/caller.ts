/** Who is calling, as proven by a verified JWT. */
export const ROLES = ['admin', 'user'] as const;
export type Role = (typeof ROLES)[number];

/**
 * Permission codes a handler can require (`@RequirePermission`), carried in the JWT's
 * `permissions` claim; admins hold every permission. Each module declares its own by declaration
 * merging, in `<module>.permissions.ts` (the seed-002 `notif.*` codes are the notification
 * module's), so `Permission` is a closed union while src/common names no module:
 *
 * ```ts
 * declare module '../../common/auth/caller.js' {
 *   interface PermissionRegistry { notification: NotificationPermission }
 * }
 * ```
 */
// eslint-disable-next-line @typescript-eslint/no-empty-object-type -- filled by declaration merging
export interface PermissionRegistry {}
export type Permission = PermissionRegistry[keyof PermissionRegistry];

/** Each module's permission codes as a run-time list (composed in src/app.permissions.ts). */
export type PermissionTables = { readonly [K in keyof PermissionRegistry]: readonly PermissionRegistry[K][] };

export interface Caller {
  sub: string;
  role: Role;
  permissions: readonly string[];
}

export function isAdmin(caller: Caller): boolean {
  return caller.role === 'admin';
}

export function hasPermission(caller: Caller, permission: Permission): boolean {
  return isAdmin(caller) || caller.permissions.includes(permission);
}
