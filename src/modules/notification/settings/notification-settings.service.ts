import { randomBytes } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { AppError, type Violation } from '../../../common/errors/app-error.js';
import { kindOf } from '../../../common/validation/validators.js';
import { isEventType, isOptOutable } from '../../events/event-catalog.js';
import { OutboundUrlPolicy } from '../../plugins/outbound-url-policy.service.js';
import { NOTIFIER_CHANNELS, isNotifierChannel, type NotifierChannel } from '../../plugins/plugin-contract.js';
import { NotificationSettingsRepository } from './notification-settings.repository.js';
import type { ChannelSetting, EventOptOut, NotificationSettings, NotificationSettingsInput, SettingsSubject } from './notification-settings.types.js';

export const SETTINGS_LIMITS = { userId: 200, address: 320, url: 2000, mutedEvents: 100 } as const;
const EMAIL = /^[^\s@]+@[^\s@]+$/;
const PHONE = /^\+?[0-9 ()./-]{4,32}$/;
/** As plugin secrets are answered (src/modules/plugins/plugin-config.service.ts): after the URL's origin. */
const MASK = '********';

/**
 * How an own webhook/chat URL is answered: its origin and a mask, never the path or query, where
 * Feishu and most webhook services put the token. Sending the masked form back keeps the URL.
 */
export function maskedTarget(url: string): string {
  try {
    return `${new URL(url).origin}/${MASK}`;
  } catch {
    return MASK;
  }
}

function isUrlChannel(channel: string): boolean {
  return channel === 'webhook' || channel === 'chat';
}

/**
 * A new signing secret for an own webhook target, in the form the webhook notifier and Standard
 * Webhooks verifiers take: `whsec_` + base64 of 24 random bytes.
 */
export function newSigningSecret(): string {
  return `whsec_${randomBytes(24).toString('base64')}`;
}

/**
 * The settings as answered: own URLs masked (addresses and phone numbers are shown), secrets never
 * — except `shown`, the channel whose secret was just made (shown once).
 */
function masked(settings: NotificationSettings, shown: ReadonlySet<string> = new Set()): NotificationSettings {
  return {
    ...settings,
    channels: settings.channels.map((c) => ({
      channel: c.channel,
      enabled: c.enabled,
      target: c.target && isUrlChannel(c.channel) ? maskedTarget(c.target) : c.target,
      secret: null,
      signingSecret: shown.has(c.channel) ? c.secret : null,
    })),
  };
}

/**
 * Recipients' notification settings: reads them (defaults when none were saved) and
 * replaces them after validating every field — channel types, own targets (a webhook/chat URL
 * must pass plugin HTTP's SSRF rules for personal targets, OutboundUrlPolicy), event types, and
 * that no event the catalog marks as not opt-out-able is muted (`notif.event_not_mutable`). An
 * own webhook target gets its own signing secret when it is saved (new or changed URL) or
 * rotated, answered once.
 *
 * Deliberately not here: who may read or change whose settings (the transports' access rules:
 * a user its own, an admin anyone's) and applying them (NotificationPlanner, at planning time:
 * a change applies to records planned after it).
 */
@Injectable()
export class NotificationSettingsService {
  constructor(
    private readonly repository: NotificationSettingsRepository,
    private readonly urls: OutboundUrlPolicy,
  ) {}

  /** A user's settings, by user id (the caller's `sub`, or any user's for an admin). */
  async forUser(userId: unknown): Promise<NotificationSettings> {
    return this.get(userSubject(userId));
  }

  /**
   * `detailed`: whether a refused URL's message may say why (an admin's save); a user is told
   * only that it is not an allowed address, not what it resolves to or what the operator allows.
   */
  async updateForUser(userId: unknown, input: NotificationSettingsInput, detailed: boolean): Promise<NotificationSettings> {
    return this.update(userSubject(userId), input, detailed);
  }

  /** An admin's choice of subject: a user id or an address, exactly one. */
  async forUserOrAddress(user: unknown, address: unknown): Promise<NotificationSettings> {
    return this.get(eitherSubject(user, address));
  }

  async updateForUserOrAddress(user: unknown, address: unknown, input: NotificationSettingsInput): Promise<NotificationSettings> {
    return this.update(eitherSubject(user, address), input, true);
  }

  /** A new signing secret for the user's own webhook target, answered once; the old one stops signing new records. */
  async rotateWebhookSecretForUser(userId: unknown): Promise<NotificationSettings> {
    return this.rotateWebhookSecret(userSubject(userId));
  }

  async rotateWebhookSecretForUserOrAddress(user: unknown, address: unknown): Promise<NotificationSettings> {
    return this.rotateWebhookSecret(eitherSubject(user, address));
  }

  private async get(subject: SettingsSubject): Promise<NotificationSettings> {
    return masked((await this.repository.find(subject)) ?? { subject, channels: [], mutedEvents: [], updatedAt: null });
  }

  private async update(subject: SettingsSubject, input: NotificationSettingsInput, detailed: boolean): Promise<NotificationSettings> {
    const violations: Violation[] = [];
    const stored = new Map(((await this.repository.find(subject))?.channels ?? []).map((c) => [c.channel, c]));
    const channels = this.channelsOf(input.channels, violations, stored, detailed);
    const muted = mutedEventsOf(input.mutedEvents, violations);
    if (violations.length > 0) throw AppError.validation(violations);
    const mandatory = muted.find((m) => !isOptOutable(m.eventType));
    if (mandatory) {
      throw new AppError('notif.event_not_mutable', `${mandatory.eventType} is transactional and cannot be muted: it always reaches its recipient (an own target still applies)`, {
        field: `muted_events[${muted.indexOf(mandatory)}].event_type`,
        event_type: mandatory.eventType,
      });
    }
    // The same webhook URL keeps its secret; a new or changed one gets a new secret, shown once.
    const shown = new Set<string>();
    for (const c of channels) {
      if (c.channel !== 'webhook' || c.target === null) continue;
      const before = stored.get('webhook');
      if (before?.target === c.target && before.secret) c.secret = before.secret;
      else {
        c.secret = newSigningSecret();
        shown.add('webhook');
      }
    }
    return masked(await this.repository.save(subject, channels, muted), shown);
  }

  private async rotateWebhookSecret(subject: SettingsSubject): Promise<NotificationSettings> {
    const current = await this.repository.find(subject);
    const webhook = current?.channels.find((c) => c.channel === 'webhook' && c.target !== null);
    if (!current || !webhook) {
      throw new AppError('notif.no_webhook_target', 'These settings have no own webhook target: save one (channels: [{ channel: "webhook", target: "https://…" }]) and its secret is made then');
    }
    const channels = current.channels.map((c) => (c === webhook ? { ...c, secret: newSigningSecret() } : c));
    return masked(await this.repository.save(subject, channels, current.mutedEvents), new Set(['webhook']));
  }

  private channelsOf(value: unknown, violations: Violation[], stored: ReadonlyMap<string, ChannelSetting>, detailed: boolean): ChannelSetting[] {
    if (value === undefined || value === null) return [];
    if (!Array.isArray(value)) {
      violations.push({ field: 'channels', message: `must be a list, got ${kindOf(value)}` });
      return [];
    }
    const out: ChannelSetting[] = [];
    for (const [i, item] of value.entries()) {
      const at = `channels[${i}]`;
      if (!item || typeof item !== 'object' || Array.isArray(item)) {
        violations.push({ field: at, message: `must be an object { channel, enabled, target }, got ${kindOf(item)}` });
        continue;
      }
      const { channel, enabled, target } = item as Record<string, unknown>;
      if (!isNotifierChannel(channel)) {
        violations.push({ field: `${at}.channel`, message: `must be one of ${NOTIFIER_CHANNELS.join(', ')}, got ${describe(channel)}` });
        continue;
      }
      if (out.some((c) => c.channel === channel)) {
        violations.push({ field: `${at}.channel`, message: `${channel} is listed twice` });
        continue;
      }
      if (enabled !== undefined && enabled !== null && typeof enabled !== 'boolean') violations.push({ field: `${at}.enabled`, message: `must be a boolean, got ${kindOf(enabled)}` });
      // The masked form of the stored URL, as a GET answered it: the stored URL is kept.
      const kept = stored.get(channel)?.target;
      const checked = kept && isUrlChannel(channel) && target === maskedTarget(kept) ? kept : this.targetOf(channel, target, `${at}.target`, violations, detailed);
      out.push({ channel, enabled: enabled !== false, target: checked, secret: null });
    }
    return out;
  }

  private targetOf(channel: NotifierChannel, value: unknown, field: string, violations: Violation[], detailed: boolean): string | null {
    if (value === undefined || value === null || value === '') return null;
    if (typeof value !== 'string') {
      violations.push({ field, message: `must be a string, got ${kindOf(value)}` });
      return null;
    }
    const problem = (message: string): null => {
      violations.push({ field, message });
      return null;
    };
    if (value.trim() !== value) return problem('must not have surrounding spaces');
    switch (channel) {
      case 'webhook':
      case 'chat': {
        if (value.length > SETTINGS_LIMITS.url) return problem(`must be at most ${SETTINGS_LIMITS.url} characters`);
        const blocked = this.urls.problemWith(value, detailed);
        return blocked ? problem(blocked) : value;
      }
      case 'email':
        return value.length <= SETTINGS_LIMITS.address && EMAIL.test(value) ? value : problem('must be an email address');
      case 'sms':
        return PHONE.test(value) ? value : problem('must be a phone number');
      case 'push':
        return problem('push has no own target: it reaches the user by user id');
    }
  }
}

function mutedEventsOf(value: unknown, violations: Violation[]): EventOptOut[] {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) {
    violations.push({ field: 'muted_events', message: `must be a list, got ${kindOf(value)}` });
    return [];
  }
  if (value.length > SETTINGS_LIMITS.mutedEvents) {
    violations.push({ field: 'muted_events', message: `must have at most ${SETTINGS_LIMITS.mutedEvents} entries` });
    return [];
  }
  const out: EventOptOut[] = [];
  for (const [i, item] of value.entries()) {
    const at = `muted_events[${i}]`;
    if (!item || typeof item !== 'object' || Array.isArray(item)) {
      violations.push({ field: at, message: `must be an object { event_type, channels }, got ${kindOf(item)}` });
      continue;
    }
    const { eventType, channels } = item as Record<string, unknown>;
    if (typeof eventType !== 'string' || !isEventType(eventType)) {
      violations.push({ field: `${at}.event_type`, message: `must be an event type of the catalog, got ${describe(eventType)}` });
      continue;
    }
    let list: NotifierChannel[] = [];
    if (channels !== undefined && channels !== null) {
      if (!Array.isArray(channels) || !channels.every(isNotifierChannel)) {
        violations.push({ field: `${at}.channels`, message: `must be a list of ${NOTIFIER_CHANNELS.join(', ')} (empty: every channel)` });
        continue;
      }
      list = [...new Set(channels)];
    }
    if (out.some((m) => m.eventType === eventType)) {
      violations.push({ field: `${at}.event_type`, message: `${eventType} is listed twice` });
      continue;
    }
    out.push({ eventType, channels: list });
  }
  return out;
}

function eitherSubject(user: unknown, address: unknown): SettingsSubject {
  const given = (v: unknown) => v !== undefined && v !== null;
  if (given(user) && given(address)) throw AppError.invalidField('address', 'give user or address, not both');
  return given(address) ? addressSubject(address) : userSubject(user);
}

function userSubject(value: unknown): SettingsSubject {
  if (typeof value !== 'string' || value === '' || value.length > SETTINGS_LIMITS.userId || value.trim() !== value) {
    throw AppError.invalidField('user', `must be a user id (1 to ${SETTINGS_LIMITS.userId} characters)`);
  }
  return { kind: 'user', id: value };
}

function addressSubject(value: unknown): SettingsSubject {
  if (typeof value === 'string' && value.length <= SETTINGS_LIMITS.address && EMAIL.test(value)) return { kind: 'address', id: value.toLowerCase() };
  if (typeof value === 'string' && PHONE.test(value)) return { kind: 'address', id: value };
  throw AppError.invalidField('address', 'must be an email address or a phone number');
}

function describe(value: unknown): string {
  return typeof value === 'string' ? `"${value.slice(0, 64)}"` : kindOf(value);
}
