import type { NotifierChannel } from '../../plugins/plugin-contract.js';
import type { NotificationSettings } from '../settings/notification-settings.types.js';

/** What a recipient's settings say about one event on one channel. */
export type RecipientPreference =
  | { kind: 'default' }
  | { kind: 'opted_out'; message: string }
  | { kind: 'target'; target: string; secret: string | null };

/**
 * The planner's rule: a muted channel or event is an opt-out unless the catalog
 * makes the recipient mandatory for the event; otherwise the recipient's own target on the
 * channel, when set, replaces the channel's default. Pure.
 */
export function preferenceOf(settings: NotificationSettings | undefined, eventType: string, channel: NotifierChannel, mandatory: boolean): RecipientPreference {
  if (!settings) return { kind: 'default' };
  const own = settings.channels.find((c) => c.channel === channel);
  if (!mandatory) {
    if (own && !own.enabled) return { kind: 'opted_out', message: `the recipient turned the ${channel} channel off` };
    const muted = settings.mutedEvents.find((m) => m.eventType === eventType && (m.channels.length === 0 || m.channels.includes(channel)));
    if (muted) return { kind: 'opted_out', message: `the recipient muted ${eventType}${muted.channels.length ? ` by ${channel}` : ''}` };
  }
  if (own?.target) return { kind: 'target', target: own.target, secret: own.secret };
  return { kind: 'default' };
}
