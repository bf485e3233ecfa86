/** Who is calling, as proven by a verified JWT. */
export const ROLES = ['admin', 'user'] as const;
export type Role = (typeof ROLES)[number];

/** Permission codes of seed 002 (ADR-007). Admins hold every permission. */
export const PERMISSIONS = ['notif.read_template', 'notif.write_template', 'notif.send_manual'] as const;
export type Permission = (typeof PERMISSIONS)[number];

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
