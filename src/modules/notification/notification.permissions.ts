/**
 * Seed 002's permission codes (docs/rest.md, "Permissions"): who may read and write templates and
 * send a manual notification without the admin role. They join `Permission`
 * (src/common/auth/caller.ts) by declaration merging, so `@RequirePermission('notif.send_manual')`
 * type-checks and a misspelt code does not.
 */
export const NOTIFICATION_PERMISSIONS = ['notif.read_template', 'notif.write_template', 'notif.send_manual'] as const;
export type NotificationPermission = (typeof NOTIFICATION_PERMISSIONS)[number];

declare module '../../common/auth/caller.js' {
  interface PermissionRegistry {
    notification: NotificationPermission;
  }
}
