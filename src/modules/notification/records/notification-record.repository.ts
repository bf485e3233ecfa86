import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { SecretBox } from '../../../common/secrets/secret-box.js';
import { SecretsAtRest, type SealedStore } from '../../../common/secrets/secrets-at-rest.service.js';
import { DataSource, type EntityManager } from 'typeorm';
import { DISPATCH_NOTIFY_CHANNEL } from '../notification.events.js';
import { PRIORITY_RANK, type EventPriority } from '../../events/events.types.js';
import { RECORD_COLUMNS, toRecord } from './notification-record.row.js';
import { CANCELLABLE_STATUSES, type NotificationAttempt, type NotificationRecord, type RecordFilter, type RecordPage, type RecordStatus } from '../notification.types.js';

/** A record as the planner (or a manual send) creates it: the record's own fields, before any attempt. */
export type NewRecord = Pick<
  NotificationRecord,
  | 'id'
  | 'eventId'
  | 'eventType'
  | 'interfaceId'
  | 'channelType'
  | 'pluginId'
  | 'channelName'
  | 'recipient'
  | 'recipients'
  | 'title'
  | 'body'
  | 'data'
  | 'metadata'
  | 'language'
  | 'templateId'
  | 'templateVersion'
  | 'maxAttempts'
  | 'lastErrorCode'
  | 'lastErrorMessage'
  | 'occurredAt'
  | 'traceId'
> & {
  dedupKey: string;
  /**
   * `queued`; `skipped` when planning already knows there is nothing to send; `dead` when the
   * message cannot be built at all (a template render over its caps: template_too_large).
   */
  status: 'queued' | 'skipped' | 'dead';
  /** The recipient's own webhook/chat target (NotificationRecord.target); absent: the notifier's default. */
  target?: string | null;
  /** The signing secret of that target (NotificationRecord.targetSecret). */
  targetSecret?: string | null;
  /** Claimed ahead of bulk when high (NotificationRecord.priority). */
  priority: EventPriority;
  /** A scheduled record: not claimed before this time (next_attempt_at); absent: due now. */
  notBefore?: Date | null;
  /** The token subject that queued a manual record (NotificationRecord.senderSub); absent: none. */
  senderSub?: string | null;
};

/**
 * notification_records and notification_attempts outside delivery (DeliveryQueue claims and
 * finishes): planning's inserts, reads, the delivery log, cancel, replay, pruning, the metrics'
 * counts and resealing. Times are the database's.
 */
@Injectable()
export class NotificationRecordRepository implements SealedStore {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly box: SecretBox,
    secrets: SecretsAtRest,
  ) {
    secrets.register(this);
  }

  readonly sealedColumns = 'notification_records.target, target_secret';

  /** Inserts new records (a dedup key already present is skipped); returns how many were new. NOTIFY at commit. */
  async insert(rows: NewRecord[], manager?: EntityManager): Promise<number> {
    if (rows.length === 0) return 0;
    const runner = manager ?? this.dataSource.manager;
    const inserted = await runner.query<{ id: string }[]>(
      `WITH ins AS (
         INSERT INTO notification_records (id, dedup_key, event_id, event_type, interface_id, channel_type, plugin_id, channel_name, recipient,
           recipients, title, body, data, metadata, language, template_id, template_version, status, max_attempts, next_attempt_at,
           last_error_code, last_error_message, occurred_at, trace_id, target, sender_sub, target_secret, priority)
         SELECT u.id, u.dedup_key, u.event_id, u.event_type, u.interface_id, u.channel_type, u.plugin_id, u.channel_name, u.recipient,
           u.recipients::jsonb, u.title, u.body, u.data::jsonb, u.metadata::jsonb, u.language, u.template_id, u.template_version, u.status,
           u.max_attempts, COALESCE(u.not_before, now()), u.last_error_code, u.last_error_message, u.occurred_at, u.trace_id, u.target, u.sender_sub, u.target_secret,
           u.priority
           FROM unnest($1::uuid[], $2::varchar[], $3::varchar[], $4::varchar[], $5::uuid[], $6::varchar[], $7::varchar[], $8::varchar[],
                       $9::varchar[], $10::text[], $11::text[], $12::text[], $13::text[], $14::text[], $15::varchar[], $16::uuid[], $17::int[],
                       $18::varchar[], $19::int[], $20::varchar[], $21::text[], $22::timestamptz[], $23::varchar[], $24::text[], $25::timestamptz[], $26::varchar[], $27::text[], $28::smallint[])
             AS u(id, dedup_key, event_id, event_type, interface_id, channel_type, plugin_id, channel_name, recipient, recipients, title, body,
                  data, metadata, language, template_id, template_version, status, max_attempts, last_error_code, last_error_message,
                  occurred_at, trace_id, target, not_before, sender_sub, target_secret, priority)
         ON CONFLICT (dedup_key) DO NOTHING
         RETURNING id, status
       )
       SELECT count(*)::int AS n, bool_or(status = 'queued') AS queued, CASE WHEN bool_or(status = 'queued') THEN pg_notify('${DISPATCH_NOTIFY_CHANNEL}', '') END
         FROM ins`,
      [
        rows.map((r) => r.id),
        rows.map((r) => r.dedupKey),
        rows.map((r) => r.eventId),
        rows.map((r) => r.eventType),
        rows.map((r) => r.interfaceId),
        rows.map((r) => r.channelType),
        rows.map((r) => r.pluginId),
        rows.map((r) => r.channelName),
        rows.map((r) => r.recipient),
        rows.map((r) => JSON.stringify(r.recipients)),
        rows.map((r) => r.title),
        rows.map((r) => r.body),
        rows.map((r) => JSON.stringify(r.data)),
        rows.map((r) => JSON.stringify(r.metadata)),
        rows.map((r) => r.language),
        rows.map((r) => r.templateId),
        rows.map((r) => r.templateVersion),
        rows.map((r) => r.status),
        rows.map((r) => r.maxAttempts),
        rows.map((r) => r.lastErrorCode),
        rows.map((r) => r.lastErrorMessage),
        rows.map((r) => r.occurredAt.toISOString()),
        rows.map((r) => r.traceId),
        rows.map((r) => this.box.sealNullable(r.target)),
        rows.map((r) => r.notBefore?.toISOString() ?? null),
        rows.map((r) => r.senderSub ?? null),
        rows.map((r) => this.box.sealNullable(r.targetSecret)),
        rows.map((r) => PRIORITY_RANK[r.priority]),
      ],
    );
    return (inserted[0] as unknown as { n: number } | undefined)?.n ?? 0;
  }

  /**
   * Cancels a record not sent yet (queued, scheduled or waiting for a retry): it becomes
   * `cancelled` and no worker claims it again. null when it was not in such a state (a worker
   * holds it, or it is finished); the row lock makes a concurrent claim and cancel exclusive.
   */
  async cancel(id: string, reason: string): Promise<NotificationRecord | null> {
    const [rows] = await this.dataSource.query<[Record<string, unknown>[], number]>(
      `UPDATE notification_records
          SET status = 'cancelled', last_error_code = 'cancelled', last_error_message = $2, updated_at = now()
        WHERE id = $1 AND status = ANY($3::varchar[])
        RETURNING ${RECORD_COLUMNS}`,
      [id, reason, CANCELLABLE_STATUSES],
    );
    return rows[0] ? toRecord(rows[0], this.box) : null;
  }

  /**
   * Deletes up to `limit` finished records (sent, dead, skipped, cancelled) last changed more than
   * `days` ago, with their attempts, in one statement; rows another transaction holds are left for
   * the next round. Returns how many records went.
   */
  async pruneFinished(days: number, limit: number): Promise<number> {
    const rows = await this.dataSource.query<{ n: number }[]>(
      `WITH old AS (
         SELECT id FROM notification_records
          WHERE status IN ('sent', 'dead', 'skipped', 'cancelled') AND updated_at < now() - ($1::int * interval '1 day')
          ORDER BY updated_at LIMIT $2 FOR UPDATE SKIP LOCKED
       ), attempts AS (
         DELETE FROM notification_attempts a USING old WHERE a.record_id = old.id
       ), records AS (
         DELETE FROM notification_records r USING old WHERE r.id = old.id RETURNING 1
       )
       SELECT count(*)::int AS n FROM records`,
      [days, limit],
    );
    return rows[0]?.n ?? 0;
  }

  async findById(id: string): Promise<NotificationRecord | null> {
    const rows = await this.dataSource.query<Record<string, unknown>[]>(`SELECT ${RECORD_COLUMNS} FROM notification_records WHERE id = $1`, [id]);
    return rows[0] ? toRecord(rows[0], this.box) : null;
  }

  async findByDedupKey(key: string): Promise<NotificationRecord | null> {
    const rows = await this.dataSource.query<Record<string, unknown>[]>(`SELECT ${RECORD_COLUMNS} FROM notification_records WHERE dedup_key = $1`, [key]);
    return rows[0] ? toRecord(rows[0], this.box) : null;
  }

  async findByIds(ids: readonly string[]): Promise<NotificationRecord[]> {
    if (ids.length === 0) return [];
    const rows = await this.dataSource.query<Record<string, unknown>[]>(`SELECT ${RECORD_COLUMNS} FROM notification_records WHERE id = ANY($1::uuid[])`, [[...ids]]);
    return rows.map((r) => toRecord(r, this.box));
  }

  async attemptsOf(recordId: string): Promise<NotificationAttempt[]> {
    const rows = await this.dataSource.query<Record<string, unknown>[]>(
      `SELECT id, record_id, attempt_no, worker_id, started_at, finished_at, duration_ms, outcome, error_code, error_message,
              retry_after_seconds, request_payload, response_payload
         FROM notification_attempts WHERE record_id = $1 ORDER BY attempt_no`,
      [recordId],
    );
    return rows.map((r) => ({
      id: r.id as string,
      recordId: r.record_id as string,
      attemptNo: r.attempt_no as number,
      workerId: r.worker_id as string,
      startedAt: r.started_at as Date,
      finishedAt: r.finished_at as Date,
      durationMs: r.duration_ms as number,
      outcome: r.outcome as string,
      errorCode: r.error_code as string | null,
      errorMessage: r.error_message as string | null,
      retryAfterSeconds: r.retry_after_seconds as number | null,
      requestPayload: r.request_payload,
      responsePayload: r.response_payload,
    }));
  }

  /** Newest first; `after` is the previous page's nextCursor (decodeCursor). */
  async list(filter: RecordFilter, limit: number, after: RecordCursor | null): Promise<RecordPage> {
    const { where, params } = whereOf(filter);
    if (after) {
      params.push(after.createdAtUs, after.id);
      where.push(`(created_at, id) < (timestamptz 'epoch' + $${params.length - 1}::bigint * interval '1 microsecond', $${params.length}::uuid)`);
    }
    params.push(limit + 1);
    const rows = await this.dataSource.query<Record<string, unknown>[]>(
      `SELECT ${RECORD_COLUMNS}, (extract(epoch FROM created_at) * 1000000)::bigint::text AS created_us
         FROM notification_records ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
        ORDER BY created_at DESC, id DESC LIMIT $${params.length}`,
      params,
    );
    const page = rows.slice(0, limit);
    const last = page[page.length - 1];
    return { records: page.map((r) => toRecord(r, this.box)), nextCursor: rows.length > limit && last ? encodeCursor({ createdAtUs: last.created_us as string, id: last.id as string }) : null };
  }

  /**
   * Puts failed or dead records matching the filter back in the queue, due now, with a fresh set
   * of attempts. Returns the ids replayed. NOTIFY at commit.
   */
  async requeue(filter: RecordFilter & { ids?: string[] }, maxAttempts: number, limit: number): Promise<string[]> {
    const { where, params } = whereOf({ ...filter, statuses: filter.statuses?.length ? filter.statuses : ['failed', 'dead'] });
    where.push(`status IN ('failed', 'dead')`);
    if (filter.ids) {
      params.push(filter.ids);
      where.push(`id = ANY($${params.length}::uuid[])`);
    }
    params.push(maxAttempts, limit);
    const rows = await this.dataSource.query<{ id: string }[]>(
      `WITH upd AS (
         UPDATE notification_records
            SET status = 'queued', next_attempt_at = now(), max_attempts = attempt_count + $${params.length - 1}, updated_at = now()
          WHERE id IN (SELECT id FROM notification_records WHERE ${where.join(' AND ')} ORDER BY created_at LIMIT $${params.length} FOR UPDATE SKIP LOCKED)
          RETURNING id
       )
       SELECT id, pg_notify('${DISPATCH_NOTIFY_CHANNEL}', '') FROM upd`,
      params,
    );
    return rows.map((r) => r.id);
  }

  /**
   * Records by status and channel type, every status: reads the whole table (final records are
   * never deleted), so the metrics read it at most every 30 s and take the unfinished states from
   * countActiveByStatus().
   */
  async countByStatus(): Promise<{ status: RecordStatus; channelType: string; count: number }[]> {
    const rows = await this.dataSource.query<{ status: RecordStatus; channel_type: string; n: number }[]>(
      `SELECT status, channel_type, count(*)::int AS n FROM notification_records GROUP BY status, channel_type`,
    );
    return rows.map((r) => ({ status: r.status, channelType: r.channel_type, count: r.n }));
  }

  /**
   * Records not finished yet (queued, failed, sending) by status and channel type, read through
   * the partial indexes that cover exactly those states (due_idx, lease_idx): cheap whatever the
   * number of sent records, so the metrics read it at every scrape.
   */
  async countActiveByStatus(): Promise<{ status: RecordStatus; channelType: string; count: number }[]> {
    const rows = await this.dataSource.query<{ status: RecordStatus; channel_type: string; n: number }[]>(
      `SELECT status, channel_type, count(*)::int AS n FROM notification_records WHERE status IN ('queued', 'failed') GROUP BY status, channel_type
       UNION ALL
       SELECT status, channel_type, count(*)::int AS n FROM notification_records WHERE status = 'sending' GROUP BY status, channel_type`,
    );
    return rows.map((r) => ({ status: r.status, channelType: r.channel_type, count: r.n }));
  }

  /** Records due now (queued or failed with next_attempt_at passed): the metrics gauge. */
  async countDue(): Promise<number> {
    const [row] = await this.dataSource.query<{ n: number }[]>(
      `SELECT count(*)::int AS n FROM notification_records WHERE status IN ('queued', 'failed') AND next_attempt_at <= now()`,
    );
    return row.n;
  }

  /**
   * Seals again every own target and secret not sealed with the current key (stored before
   * sealing, or with an older key), 500 rows at a time in id order; the count rewritten.
   */
  async resealSecrets(db: EntityManager): Promise<number> {
    const current = `enc:v1:${this.box.currentKeyId}:`;
    let rewritten = 0;
    for (let after = '00000000-0000-0000-0000-000000000000'; ; ) {
      const rows = await db.query<{ id: string; target: string | null; target_secret: string | null }[]>(
        `SELECT id, target, target_secret FROM notification_records
          WHERE id > $1 AND ((target IS NOT NULL AND left(target, length($2)) <> $2) OR (target_secret IS NOT NULL AND left(target_secret, length($2)) <> $2))
          ORDER BY id LIMIT 500`,
        [after, current],
      );
      if (rows.length === 0) return rewritten;
      const reseal = (value: string | null) => this.box.sealNullable(this.box.openNullable(value));
      const [, affected] = await db.query<[unknown, number]>(
        `UPDATE notification_records r SET target = u.target, target_secret = u.target_secret
           FROM unnest($1::uuid[], $2::text[], $3::text[], $4::text[], $5::text[]) AS u(id, target, target_secret, old_target, old_secret)
          WHERE r.id = u.id AND r.target IS NOT DISTINCT FROM u.old_target AND r.target_secret IS NOT DISTINCT FROM u.old_secret`,
        [rows.map((r) => r.id), rows.map((r) => reseal(r.target)), rows.map((r) => reseal(r.target_secret)), rows.map((r) => r.target), rows.map((r) => r.target_secret)],
      );
      rewritten += affected;
      after = rows[rows.length - 1].id;
    }
  }
}

/**
 * Where a page ended: the last record's created_at in microseconds since the epoch (the column's
 * own precision; a JS Date would round it to milliseconds, and records created later in the same
 * millisecond would fall between two pages) and its id.
 */
export interface RecordCursor {
  createdAtUs: string;
  id: string;
}

export function encodeCursor(cursor: RecordCursor): string {
  return Buffer.from(`${cursor.createdAtUs}|${cursor.id}`).toString('base64url');
}

/** null when the text is not a cursor this repository made. */
export function decodeCursor(cursor: string): RecordCursor | null {
  const [us, id, ...rest] = Buffer.from(cursor, 'base64url').toString('utf8').split('|');
  if (rest.length > 0 || !us || !/^\d{1,17}$/.test(us) || !id || !/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(id)) return null;
  return { createdAtUs: us, id: id.toLowerCase() };
}

function whereOf(filter: RecordFilter): { where: string[]; params: unknown[] } {
  const where: string[] = [];
  const params: unknown[] = [];
  const add = (sql: (n: number) => string, value: unknown): void => {
    params.push(value);
    where.push(sql(params.length));
  };
  if (filter.statuses?.length) add((n) => `status = ANY($${n}::varchar[])`, filter.statuses);
  if (filter.channelTypes?.length) add((n) => `channel_type = ANY($${n}::varchar[])`, filter.channelTypes);
  if (filter.eventTypes?.length) add((n) => `event_type = ANY($${n}::varchar[])`, filter.eventTypes);
  if (filter.interfaceId) add((n) => `interface_id = $${n}::uuid`, filter.interfaceId);
  if (filter.eventId) add((n) => `event_id = $${n}`, filter.eventId);
  if (filter.createdAfter) add((n) => `created_at >= $${n}`, filter.createdAfter);
  if (filter.createdBefore) add((n) => `created_at < $${n}`, filter.createdBefore);
  return { where, params };
}
