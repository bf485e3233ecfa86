/**
 * Who may publish events into Switchboard without the admin role: another service's token carrying
 * `events.publish` (over gRPC EventService, GraphQL publishEvent and REST POST /events alike). It
 * joins `Permission` (src/common/auth/caller.ts) by declaration merging, so
 * `@RequirePermission('events.publish')` type-checks and a misspelt code does not.
 */
export const EVENTS_PERMISSIONS = ['events.publish'] as const;
export type EventsPermission = (typeof EVENTS_PERMISSIONS)[number];

declare module '../../common/auth/caller.js' {
  interface PermissionRegistry {
    events: EventsPermission;
  }
}
