import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, type EntityManager } from 'typeorm';
import type { NotifierChannel } from '../plugins/plugin-contract.js';
import { subjectKey, type ChannelSetting, type EventOptOut, type NotificationSettings, type SettingsSubject } from './notification-settings.types.js';

/** The only place that queries notification_settings. */
@Injectable()
export class NotificationSettingsRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

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
      const settings = toSettings(row);
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
        JSON.stringify(channels.map((c) => ({ channel: c.channel, enabled: c.enabled, target: c.target, secret: c.secret }))),
        JSON.stringify(mutedEvents.map((m) => ({ event_type: m.eventType, channels: m.channels }))),
      ],
    );
    return toSettings(row);
  }
}

function toSettings(r: Record<string, unknown>): NotificationSettings {
  return {
    subject: { kind: r.subject_kind as SettingsSubject['kind'], id: r.subject as string },
    channels: (r.channels as ChannelSetting[]).map((c) => ({ channel: c.channel, enabled: c.enabled, target: c.target ?? null, secret: c.secret ?? null })),
    mutedEvents: (r.muted_events as { event_type: string; channels: NotifierChannel[] }[]).map((m) => ({ eventType: m.event_type, channels: m.channels })),
    updatedAt: r.updated_at as Date,
  };
}
