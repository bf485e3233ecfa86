import type { PermissionTables } from './common/auth/caller.js';
import { EVENTS_PERMISSIONS } from './modules/events/events.permissions.js';
import { NOTIFICATION_PERMISSIONS } from './modules/notification/notification.permissions.js';

/**
 * Every permission code a token may carry, at run time: each module's list, composed here next to
 * app.errors.ts because only the app knows every module (src/common must not). `satisfies
 * PermissionTables` makes a module that joins `PermissionRegistry` without its list here a compile
 * error, so the token CLI never refuses a real code nor accepts a made-up one.
 */
export const APP_PERMISSIONS = {
  notification: NOTIFICATION_PERMISSIONS,
  events: EVENTS_PERMISSIONS,
} satisfies PermissionTables;

export const PERMISSION_CODES: readonly string[] = Object.values(APP_PERMISSIONS).flat();
