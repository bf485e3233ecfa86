import { preferenceOf } from './recipient-preference.js';
import type { NotificationSettings } from '../settings/notification-settings.types.js';

const settings = (over: Partial<NotificationSettings>): NotificationSettings => ({ subject: { kind: 'user', id: 'u1' }, channels: [], mutedEvents: [], updatedAt: new Date(), ...over });

describe('preferenceOf', () => {
  it('is the default without settings, or with settings that say nothing about the channel', () => {
    expect(preferenceOf(undefined, 'ticket_replied', 'chat', false)).toEqual({ kind: 'default' });
    expect(preferenceOf(settings({ channels: [{ channel: 'email', enabled: false, target: null, secret: null }] }), 'ticket_replied', 'chat', false)).toEqual({ kind: 'default' });
  });

  it('opts out for a channel turned off, and for an event muted on every channel or on this one', () => {
    expect(preferenceOf(settings({ channels: [{ channel: 'chat', enabled: false, target: 'https://x.example/h', secret: null }] }), 'order_paid', 'chat', false).kind).toBe('opted_out');
    const muted = settings({ mutedEvents: [{ eventType: 'ticket_replied', channels: ['chat'] }, { eventType: 'order_cancelled', channels: [] }] });
    expect(preferenceOf(muted, 'ticket_replied', 'chat', false)).toEqual({ kind: 'opted_out', message: 'the recipient muted ticket_replied by chat' });
    expect(preferenceOf(muted, 'ticket_replied', 'email', false)).toEqual({ kind: 'default' });
    expect(preferenceOf(muted, 'order_cancelled', 'webhook', false).kind).toBe('opted_out');
  });

  it('uses the own target when not opted out, and a mandatory recipient is never opted out', () => {
    const s = settings({ channels: [{ channel: 'chat', enabled: true, target: 'https://x.example/h', secret: null }], mutedEvents: [{ eventType: 'order_paid', channels: [] }] });
    expect(preferenceOf(s, 'ticket_replied', 'chat', false)).toEqual({ kind: 'target', target: 'https://x.example/h', secret: null });
    expect(preferenceOf(s, 'order_paid', 'chat', false).kind).toBe('opted_out');
    expect(preferenceOf(s, 'order_paid', 'chat', true)).toEqual({ kind: 'target', target: 'https://x.example/h', secret: null });
    const off = settings({ channels: [{ channel: 'email', enabled: false, target: null, secret: null }] });
    expect(preferenceOf(off, 'password.reset_requested', 'email', true)).toEqual({ kind: 'default' });
  });
});
