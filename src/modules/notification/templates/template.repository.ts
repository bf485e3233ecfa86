import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, QueryFailedError, type EntityManager } from 'typeorm';
import { preparedQuery } from '../../../common/database/prepared-query.js';
import { AppError } from '../../../common/errors/app-error.js';
import type { NotifierChannel } from '../../plugins/plugin-contract.js';
import { NotificationTemplateVersionEntity } from './notification-template-version.entity.js';
import { NotificationTemplateEntity } from './notification-template.entity.js';
import type { NotificationTemplate } from './template.types.js';

const UNIQUE_NAME = 'notification_templates_name_unique';
const UNIQUE_TRIGGER = 'notification_templates_trigger_unique';

/** The table version (NotificationTemplatesVersionEntity): one primary-key lookup. */
const TABLE_VERSION = { name: 'notification_templates_table_version', text: 'SELECT version FROM notification_templates_version WHERE id = 1' };

/** Every template with the table version, in one statement (one snapshot); one row of nulls but the version when there are none. */
const ALL_ROWS = {
  name: 'notification_templates_all_rows',
  text: `SELECT v.version AS table_version, t.id, t.name, t.type, t.language, t.trigger_event, t.subject, t.content, t.version, t.created_at, t.updated_at
  FROM notification_templates_version v LEFT JOIN notification_templates t ON true WHERE v.id = 1 ORDER BY t.name`,
};

interface TemplateRow {
  table_version: string;
  id: string | null;
  name: string;
  type: string;
  language: string;
  trigger_event: string | null;
  subject: string | null;
  content: string;
  version: number;
  created_at: Date;
  updated_at: Date;
}

export interface TemplateFilter {
  type?: string;
  triggerEvent?: string;
  language?: string;
}

/** What a save writes besides the id and timestamps. */
export type TemplateFields = Pick<NotificationTemplate, 'name' | 'type' | 'language' | 'triggerEvent' | 'subject' | 'content'>;

/** One version of a template's text (notification_template_versions). */
export interface TemplateVersion {
  templateId: string;
  version: number;
  subject: string | null;
  content: string;
  createdAt: Date;
}

/**
 * The only place that queries notification_templates and notification_template_versions. Every
 * save writes the template and, when its text changed, the version's row in one transaction; the
 * unique indexes (not a look-up first, which races) decide name and trigger conflicts.
 */
@Injectable()
export class TemplateRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  async page(filter: TemplateFilter, offset: number, limit: number): Promise<{ items: NotificationTemplate[]; total: number }> {
    const query = this.dataSource.getRepository(NotificationTemplateEntity).createQueryBuilder('t');
    if (filter.type !== undefined) query.andWhere('t.type = :type', { type: filter.type });
    if (filter.triggerEvent !== undefined) query.andWhere('t.trigger_event = :triggerEvent', { triggerEvent: filter.triggerEvent });
    if (filter.language !== undefined) query.andWhere('t.language = :language', { language: filter.language });
    const [rows, total] = await query.orderBy('t.name', 'ASC').addOrderBy('t.id', 'ASC').skip(offset).take(limit).getManyAndCount();
    return { items: rows.map(toTemplate), total };
  }

  async findById(id: string): Promise<NotificationTemplate | null> {
    const row = await this.dataSource.getRepository(NotificationTemplateEntity).findOneBy({ id });
    return row ? toTemplate(row) : null;
  }

  async findVersion(templateId: string, version: number): Promise<TemplateVersion | null> {
    const row = await this.dataSource.getRepository(NotificationTemplateVersionEntity).findOneBy({ templateId, version });
    return row ? { templateId: row.templateId, version: row.version, subject: row.subject, content: row.content, createdAt: row.createdAt } : null;
  }

  /** Every version of a template, oldest first. */
  async versions(templateId: string): Promise<TemplateVersion[]> {
    const rows = await this.dataSource.getRepository(NotificationTemplateVersionEntity).find({ where: { templateId }, order: { version: 'ASC' } });
    return rows.map((row) => ({ templateId: row.templateId, version: row.version, subject: row.subject, content: row.content, createdAt: row.createdAt }));
  }

  async insert(id: string, fields: TemplateFields): Promise<NotificationTemplate> {
    return this.guardUnique(fields, () =>
      this.dataSource.transaction(async (manager) => {
        await manager.insert(NotificationTemplateEntity, { id, ...fields, version: 1 });
        await manager.insert(NotificationTemplateVersionEntity, { templateId: id, version: 1, subject: fields.subject, content: fields.content });
        return toTemplate(await manager.findOneByOrFail(NotificationTemplateEntity, { id }));
      }),
    );
  }

  /**
   * Locks the template, lets `change` compute the new fields from the current ones (it may throw:
   * nothing is written), and stores them; a change of subject or content is a new version with
   * its history row. null when there is no such template.
   */
  async update(id: string, change: (current: NotificationTemplate) => TemplateFields): Promise<NotificationTemplate | null> {
    let attempted: TemplateFields | null = null;
    try {
      return await this.dataSource.transaction(async (manager) => {
        const row = await manager.findOne(NotificationTemplateEntity, { where: { id }, lock: { mode: 'pessimistic_write' } });
        if (!row) return null;
        const current = toTemplate(row);
        const next = change(current);
        attempted = next;
        const textChanged = next.subject !== current.subject || next.content !== current.content;
        const unchanged = !textChanged && (['name', 'type', 'language', 'triggerEvent'] as const).every((k) => next[k] === current[k]);
        if (unchanged) return current;
        const version = textChanged ? current.version + 1 : current.version;
        await manager.update(NotificationTemplateEntity, { id }, { ...next, version });
        if (textChanged) await manager.insert(NotificationTemplateVersionEntity, { templateId: id, version, subject: next.subject, content: next.content });
        return toTemplate(await manager.findOneByOrFail(NotificationTemplateEntity, { id }));
      });
    } catch (err) {
      throw attempted ? uniqueError(err, attempted) : err;
    }
  }

  /** The table version: changes with every committed write to notification_templates, by anyone. */
  async tableVersion(tx?: EntityManager): Promise<string> {
    const [{ version }] = await preparedQuery<{ version: string }>(tx ?? this.dataSource, { ...TABLE_VERSION, values: [] });
    return version;
  }

  /** Every template, and the table version they were read at. */
  async all(tx?: EntityManager): Promise<{ version: string; templates: NotificationTemplate[] }> {
    const rows = await preparedQuery<TemplateRow>(tx ?? this.dataSource, { ...ALL_ROWS, values: [] });
    return { version: rows[0].table_version, templates: rows.filter((r) => r.id !== null).map(fromRow) };
  }

  private async guardUnique<T>(fields: TemplateFields, write: () => Promise<T>): Promise<T> {
    try {
      return await write();
    } catch (err) {
      throw uniqueError(err, fields);
    }
  }
}

/** A unique violation of the name or trigger index as its AppError; anything else unchanged. */
function uniqueError(err: unknown, fields: TemplateFields): unknown {
  if (!(err instanceof QueryFailedError)) return err;
  const driver = err.driverError as { code?: string; constraint?: string };
  if (driver.code !== '23505') return err;
  if (driver.constraint === UNIQUE_NAME) {
    return new AppError('notif.template_name_taken', `A template named "${fields.name}" already exists`, { field: 'name', name: fields.name });
  }
  if (driver.constraint === UNIQUE_TRIGGER) {
    return new AppError(
      'notif.template_trigger_taken',
      `Another template already serves ${fields.triggerEvent} on ${fields.type} in language ${fields.language}; change that one, or this one's trigger_event, type or language`,
      { field: 'trigger_event', trigger_event: fields.triggerEvent, type: fields.type, language: fields.language },
    );
  }
  return err;
}

function toTemplate(row: NotificationTemplateEntity): NotificationTemplate {
  return {
    id: row.id,
    name: row.name,
    type: row.type as NotifierChannel,
    language: row.language,
    triggerEvent: row.triggerEvent,
    subject: row.subject,
    content: row.content,
    version: row.version,
    createdAt: row.createdAt,
    updatedAt: row.updatedAt,
  };
}

function fromRow(row: TemplateRow): NotificationTemplate {
  return {
    id: row.id!,
    name: row.name,
    type: row.type as NotifierChannel,
    language: row.language,
    triggerEvent: row.trigger_event,
    subject: row.subject,
    content: row.content,
    version: row.version,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}
