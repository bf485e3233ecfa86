import { AUTH_ERRORS, COMMON_ERRORS } from './common/errors/error-codes.js';
import { installErrorTables, type ErrorTables } from './common/errors/error-registry.js';
import { EVENTS_ERRORS } from './modules/events/events.errors.js';
import { INTEGRATION_ERRORS } from './modules/integration/integration.errors.js';
import { NOTIFICATION_ERRORS } from './modules/notification/notification.errors.js';
import { PLUGINS_ERRORS } from './modules/plugins/plugins.errors.js';

/**
 * The one error table: each namespace's codes and transports, composed here next to app.module.ts
 * because only the app knows every module (src/common must not). `satisfies ErrorTables` makes a
 * namespace declared in ErrorCodeRegistry without a table here a compile error; each table's own
 * switch makes a code without a mapping one.
 *
 * Importing this file installs the tables, once, before anything renders an error or checks a code
 * (error-registry.ts throws if asked earlier). app.module.ts imports it, so does every entry point
 * that runs module code without the app: the plugin CLI, the plugin bench, Jest's setup file.
 */
export const APP_ERROR_TABLES = {
  common: COMMON_ERRORS,
  auth: AUTH_ERRORS,
  plugins: PLUGINS_ERRORS,
  integration: INTEGRATION_ERRORS,
  events: EVENTS_ERRORS,
  notif: NOTIFICATION_ERRORS,
} satisfies ErrorTables;

installErrorTables(APP_ERROR_TABLES);
