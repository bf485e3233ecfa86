import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, type EntityManager } from 'typeorm';
import { SecretBox } from '../../../common/secrets/secret-box.js';
import { SecretsAtRest, type SealedStore } from '../../../common/secrets/secrets-at-rest.service.js';
import type { NotifierChannel } from '../../plugins/plugin-contract.js';
import { subjectKey, type ChannelSetting, type EventOptOut, type NotificationSettings, type SettingsSubject } from './notification-settings.types.js';

/**
 * The only place that queries notification_settings. Own webhook/chat URLs (a Feishu URL carries
 * its bot's token) and signing secrets are stored sealed (SecretBox) and opened as they are read;
 * email addresses and phone numbers are stored as they are.
 */
@Injectable()
export class NotificationSettingsRepository implements SealedStore {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly box: SecretBox,
    secrets: SecretsAtRest,
  ) {
    secrets.register(this);
  }

  readonly sealedColumns = 'notification_settings.channels (own URLs, secrets)';

  async find(subject: SettingsSubject): Promise<NotificationSettings | null> {
    return (await this.findMany([subject])).get(subjectKey(subject)) ?? null;
  }

  /** The settings of every subject that has any, by subjectKey(); read in `manager`'s transaction when given (the planner's). */
  async findMany(subjects: readonly SettingsSubject[], manager?: EntityManager): Promise<Map<string, NotificationSettings>> {
    const found = new Map<string, NotificationSettings>();
    if (subjects.length === 0) return found;
    const rows = await (manager ?? this.dataSource.manager).query<Record<string, unknown>[]>(
      `SELECT s.subject_kind, s.subject, s.channels, s.muted_events, s.updated_at
         FROM notification_settings s
         JOIN unnest($1::varchar[], $2::varchar[]) AS k(kind, subject) ON s.subject_kind = k.kind AND s.subject = k.subject`,
      [subjects.map((s) => s.kind), subjects.map((s) => s.id)],
    );
    for (const row of rows) {
      const settings = this.toSettings(row);
      found.set(subjectKey(settings.subject), settings);
    }
    return found;
  }

  /** Replaces the subject's settings (creating them); returns them as stored. */
  async save(subject: SettingsSubject, channels: ChannelSetting[], mutedEvents: EventOptOut[]): Promise<NotificationSettings> {
    const [row] = await this.dataSource.query<Record<string, unknown>[]>(
      `INSERT INTO notification_settings (subject_kind, subject, channels, muted_events)
       VALUES ($1, $2, $3::jsonb, $4::jsonb)
       ON CONFLICT (subject_kind, subject) DO UPDATE SET channels = EXCLUDED.channels, muted_events = EXCLUDED.muted_events, updated_at = now()
       RETURNING subject_kind, subject, channels, muted_events, updated_at`,
      [
        subject.kind,
        subject.id,
        JSON.stringify(channels.map((c) => this.sealed(c))),
        JSON.stringify(mutedEvents.map((m) => ({ event_type: m.eventType, channels: m.channels }))),
      ],
    );
    return this.toSettings(row);
  }

  /**
   * Seals again every own URL and secret not sealed with the current key (stored before sealing,
   * or with an older key); the count of rows rewritten, each only if unchanged since it was read.
   */
  async resealSecrets(db: EntityManager): Promise<number> {
    let rewritten = 0;
    const rows = await db.query<{ subject_kind: string; subject: string; channels: ChannelSetting[] }[]>(
      `SELECT subject_kind, subject, channels FROM notification_settings WHERE channels <> '[]'::jsonb`,
    );
    for (const row of rows) {
      const stale = row.channels.some((c) => (sealsTarget(c.channel) && c.target && this.box.isStale(c.target)) || (c.secret && this.box.isStale(c.secret)));
      if (!stale) continue;
      const channels = row.channels.map((c) => this.sealed(this.opened(c)));
      const [, affected] = await db.query<[unknown, number]>(
        `UPDATE notification_settings SET channels = $3::jsonb WHERE subject_kind = $1 AND subject = $2 AND channels = $4::jsonb`,
        [row.subject_kind, row.subject, JSON.stringify(channels), JSON.stringify(row.channels)],
      );
      rewritten += affected;
    }
    return rewritten;
  }

  private sealed(c: ChannelSetting): Record<string, unknown> {
    return { channel: c.channel, enabled: c.enabled, target: sealsTarget(c.channel) ? this.box.sealNullable(c.target) : c.target, secret: this.box.sealNullable(c.secret) };
  }

  private opened(c: ChannelSetting): ChannelSetting {
    return { channel: c.channel, enabled: c.enabled, target: this.box.openNullable(c.target), secret: this.box.openNullable(c.secret) };
  }

  private toSettings(r: Record<string, unknown>): NotificationSettings {
    return {
      subject: { kind: r.subject_kind as SettingsSubject['kind'], id: r.subject as string },
      channels: (r.channels as ChannelSetting[]).map((c) => this.opened(c)),
      mutedEvents: (r.muted_events as { event_type: string; channels: NotifierChannel[] }[]).map((m) => ({ eventType: m.event_type, channels: m.channels })),
      updatedAt: r.updated_at as Date,
    };
  }
}

/** Own URLs are credentials (a Feishu URL carries the bot's token); addresses and phone numbers are not sealed. */
function sealsTarget(channel: string): boolean {
  return channel === 'webhook' || channel === 'chat';
}
