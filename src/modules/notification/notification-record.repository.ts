import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { SecretBox } from '../../common/secrets/secret-box.js';
import { SecretsAtRest, type SealedStore } from '../../common/secrets/secrets-at-rest.service.js';
import { DataSource, type EntityManager } from 'typeorm';
import { DISPATCH_CHANNEL } from './notification.events.js';
import { CANCELLABLE_STATUSES, type NotificationAttempt, type NotificationRecord, type RecordFilter, type RecordPage, type RecordRecipient, type RecordStatus } from './notification.types.js';

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
  /** A scheduled record: not claimed before this time (next_attempt_at); absent: due now. */
  notBefore?: Date | null;
  /** The token subject that queued a manual record (NotificationRecord.senderSub); absent: none. */
  senderSub?: string | null;
};

/** How one attempt ended, as stored: the record's new state and the attempt's audit row. */
export interface FinishedAttempt {
  recordId: string;
  workerId: string;
  attemptNo: number;
  status: 'sent' | 'failed' | 'dead' | 'skipped';
  retryInMs: number | null;
  errorCode: string | null;
  errorMessage: string | null;
  providerMessageId: string | null;
  attemptId: string;
  startedAt: Date;
  finishedAt: Date;
  outcome: string;
  retryAfterSeconds: number | null;
  requestPayload: unknown;
  responsePayload: unknown;
}

const COLUMNS = `id, event_id, event_type, interface_id, channel_type, plugin_id, channel_name, recipient, recipients, target, target_secret, title, body, data,
  metadata, language, template_id, template_version, status, attempt_count, max_attempts, next_attempt_at, last_error_code,
  last_error_message, provider_message_id, occurred_at, trace_id, sender_sub, created_at, updated_at, sent_at`;

/**
 * The only place that queries notification_records and notification_attempts. Claims use
 * FOR UPDATE SKIP LOCKED and a lease, so no record is sent by two workers at once; every finish
 * is fenced on (claimed_by, attempt_count), so a worker that lost its lease cannot overwrite the
 * attempt that replaced it. Times are the database's.
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
           last_error_code, last_error_message, occurred_at, trace_id, target, sender_sub, target_secret)
         SELECT u.id, u.dedup_key, u.event_id, u.event_type, u.interface_id, u.channel_type, u.plugin_id, u.channel_name, u.recipient,
           u.recipients::jsonb, u.title, u.body, u.data::jsonb, u.metadata::jsonb, u.language, u.template_id, u.template_version, u.status,
           u.max_attempts, COALESCE(u.not_before, now()), u.last_error_code, u.last_error_message, u.occurred_at, u.trace_id, u.target, u.sender_sub, u.target_secret
           FROM unnest($1::uuid[], $2::varchar[], $3::varchar[], $4::varchar[], $5::uuid[], $6::varchar[], $7::varchar[], $8::varchar[],
                       $9::varchar[], $10::text[], $11::text[], $12::text[], $13::text[], $14::text[], $15::varchar[], $16::uuid[], $17::int[],
                       $18::varchar[], $19::int[], $20::varchar[], $21::text[], $22::timestamptz[], $23::varchar[], $24::text[], $25::timestamptz[], $26::varchar[], $27::text[])
             AS u(id, dedup_key, event_id, event_type, interface_id, channel_type, plugin_id, channel_name, recipient, recipients, title, body,
                  data, metadata, language, template_id, template_version, status, max_attempts, last_error_code, last_error_message,
                  occurred_at, trace_id, target, not_before, sender_sub, target_secret)
         ON CONFLICT (dedup_key) DO NOTHING
         RETURNING id, status
       )
       SELECT count(*)::int AS n, bool_or(status = 'queued') AS queued, CASE WHEN bool_or(status = 'queued') THEN pg_notify('${DISPATCH_CHANNEL}', '') END
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
      ],
    );
    return (inserted[0] as unknown as { n: number } | undefined)?.n ?? 0;
  }

  /**
   * Claims up to `limit` due records for `workerId` (queued, or failed and due), at most
   * `perInterface(id)` per interface and none of `busy` interfaces: each becomes `sending` with
   * attempt_count + 1 and a lease of `leaseMs`.
   */
  async claimDue(workerId: string, limit: number, leaseMs: number, busy: string[], perInterface: (interfaceId: string) => number): Promise<NotificationRecord[]> {
    return this.dataSource.transaction(async (manager) => {
      const candidates = await manager.query<{ id: string; interface_id: string }[]>(
        `SELECT id, interface_id FROM notification_records
          WHERE status IN ('queued', 'failed') AND next_attempt_at <= now() AND NOT (interface_id = ANY($2::uuid[]))
          ORDER BY next_attempt_at
          LIMIT $1
          FOR UPDATE SKIP LOCKED`,
        [Math.min(limit * 4, 2_000), busy],
      );
      const taken = new Map<string, number>();
      const picked: string[] = [];
      for (const c of candidates) {
        if (picked.length >= limit) break;
        const n = taken.get(c.interface_id) ?? 0;
        if (n >= perInterface(c.interface_id)) continue;
        taken.set(c.interface_id, n + 1);
        picked.push(c.id);
      }
      if (picked.length === 0) return [];
      const [rows] = await manager.query<[Record<string, unknown>[], number]>(
        `UPDATE notification_records
            SET status = 'sending', attempt_count = attempt_count + 1, lease_expires_at = now() + ($3::int * interval '1 millisecond'),
                claimed_by = $2, updated_at = now()
          WHERE id = ANY($1::uuid[])
          RETURNING ${COLUMNS}`,
        [picked, workerId, leaseMs],
      );
      return rows.map((r) => toRecord(r, this.box));
    });
  }

  /**
   * claimDue restricted to `ids` (a manual send delivering its own records now): the same
   * states, lease and fencing, so a record a worker already claimed is skipped here (SKIP LOCKED,
   * or no longer queued) and a record claimed here is skipped by every worker.
   */
  async claimIds(workerId: string, ids: readonly string[], leaseMs: number): Promise<NotificationRecord[]> {
    if (ids.length === 0) return [];
    const [rows] = await this.dataSource.query<[Record<string, unknown>[], number]>(
      `UPDATE notification_records
          SET status = 'sending', attempt_count = attempt_count + 1, lease_expires_at = now() + ($3::int * interval '1 millisecond'),
              claimed_by = $2, updated_at = now()
        WHERE id IN (SELECT id FROM notification_records
                      WHERE id = ANY($1::uuid[]) AND status IN ('queued', 'failed') AND next_attempt_at <= now()
                      FOR UPDATE SKIP LOCKED)
        RETURNING ${COLUMNS}`,
      [[...ids], workerId, leaseMs],
    );
    return rows.map((r) => toRecord(r, this.box));
  }

  /**
   * Records whose worker was lost (lease expired while `sending`) become due again, or dead when
   * that lost attempt was their last. Returns how many.
   */
  async reclaimExpired(): Promise<number> {
    const [, n] = await this.dataSource.query<[unknown[], number]>(
      `UPDATE notification_records
          SET status = CASE WHEN attempt_count >= max_attempts THEN 'dead' ELSE 'failed' END,
              next_attempt_at = now(), lease_expires_at = NULL, claimed_by = NULL, updated_at = now(),
              last_error_code = 'worker_lost',
              last_error_message = 'the worker sending it stopped answering (lease expired); attempt ' || attempt_count || ' may or may not have been delivered'
        WHERE status = 'sending' AND lease_expires_at < now()`,
    );
    return n ?? 0;
  }

  /** Stores one attempt's outcome; false when this worker no longer owned the record (its lease was taken over). */
  async finish(attempt: FinishedAttempt): Promise<boolean> {
    const rows = await this.dataSource.query<{ record_id: string }[]>(
      `WITH upd AS (
         UPDATE notification_records
            SET status = $3::varchar, next_attempt_at = CASE WHEN $4::int IS NULL THEN next_attempt_at ELSE now() + ($4::int * interval '1 millisecond') END,
                lease_expires_at = NULL, claimed_by = NULL, last_error_code = $5::varchar, last_error_message = $6::text,
                provider_message_id = COALESCE($7::varchar, provider_message_id), sent_at = CASE WHEN $3::varchar = 'sent' THEN now() ELSE sent_at END,
                updated_at = now()
          WHERE id = $1::uuid AND claimed_by = $2::varchar AND status = 'sending' AND attempt_count = $8::int
          RETURNING id
       )
       INSERT INTO notification_attempts (id, record_id, attempt_no, worker_id, started_at, finished_at, duration_ms, outcome, error_code,
         error_message, retry_after_seconds, request_payload, response_payload)
       SELECT $9::uuid, id, $8::int, $2::varchar, $10::timestamptz, $11::timestamptz, $12::int, $13::varchar, $5::varchar, $6::text, $14::int,
              $15::jsonb, $16::jsonb
         FROM upd
       RETURNING record_id`,
      [
        attempt.recordId,
        attempt.workerId,
        attempt.status,
        attempt.retryInMs,
        attempt.errorCode,
        attempt.errorMessage,
        attempt.providerMessageId,
        attempt.attemptNo,
        attempt.attemptId,
        attempt.startedAt,
        attempt.finishedAt,
        Math.max(0, attempt.finishedAt.getTime() - attempt.startedAt.getTime()),
        attempt.outcome,
        attempt.retryAfterSeconds,
        JSON.stringify(attempt.requestPayload ?? null),
        JSON.stringify(attempt.responsePayload ?? null),
      ],
    );
    return rows.length > 0;
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
        RETURNING ${COLUMNS}`,
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

  /** Ends a claimed record without an attempt (its interface is gone or disabled). */
  async skipClaimed(recordId: string, workerId: string, attemptNo: number, code: string, message: string): Promise<void> {
    await this.dataSource.query(
      `UPDATE notification_records
          SET status = 'skipped', lease_expires_at = NULL, claimed_by = NULL, last_error_code = $4, last_error_message = $5, updated_at = now()
        WHERE id = $1 AND claimed_by = $2 AND status = 'sending' AND attempt_count = $3`,
      [recordId, workerId, attemptNo, code, message],
    );
  }

  async findById(id: string): Promise<NotificationRecord | null> {
    const rows = await this.dataSource.query<Record<string, unknown>[]>(`SELECT ${COLUMNS} FROM notification_records WHERE id = $1`, [id]);
    return rows[0] ? toRecord(rows[0], this.box) : null;
  }

  async findByDedupKey(key: string): Promise<NotificationRecord | null> {
    const rows = await this.dataSource.query<Record<string, unknown>[]>(`SELECT ${COLUMNS} FROM notification_records WHERE dedup_key = $1`, [key]);
    return rows[0] ? toRecord(rows[0], this.box) : null;
  }

  async findByIds(ids: readonly string[]): Promise<NotificationRecord[]> {
    if (ids.length === 0) return [];
    const rows = await this.dataSource.query<Record<string, unknown>[]>(`SELECT ${COLUMNS} FROM notification_records WHERE id = ANY($1::uuid[])`, [[...ids]]);
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
      `SELECT ${COLUMNS}, (extract(epoch FROM created_at) * 1000000)::bigint::text AS created_us
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
       SELECT id, pg_notify('${DISPATCH_CHANNEL}', '') FROM upd`,
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

/** A row as the module sees it: the own target and its secret, stored sealed, opened. */
function toRecord(r: Record<string, unknown>, box: SecretBox): NotificationRecord {
  return {
    id: r.id as string,
    eventId: r.event_id as string,
    eventType: r.event_type as string,
    interfaceId: r.interface_id as string,
    channelType: r.channel_type as string,
    pluginId: r.plugin_id as string,
    channelName: r.channel_name as string,
    recipient: r.recipient as string | null,
    recipients: r.recipients as RecordRecipient[],
    target: box.openNullable(r.target as string | null),
    targetSecret: box.openNullable(r.target_secret as string | null | undefined),
    title: r.title as string,
    body: r.body as string,
    data: r.data as Record<string, unknown>,
    metadata: r.metadata as Record<string, string>,
    language: r.language as string | null,
    templateId: r.template_id as string | null,
    templateVersion: r.template_version as number | null,
    status: r.status as RecordStatus,
    attemptCount: r.attempt_count as number,
    maxAttempts: r.max_attempts as number,
    nextAttemptAt: r.next_attempt_at as Date,
    lastErrorCode: r.last_error_code as string | null,
    lastErrorMessage: r.last_error_message as string | null,
    providerMessageId: r.provider_message_id as string | null,
    occurredAt: r.occurred_at as Date,
    traceId: r.trace_id as string | null,
    senderSub: r.sender_sub as string | null,
    createdAt: r.created_at as Date,
    updatedAt: r.updated_at as Date,
    sentAt: r.sent_at as Date | null,
  };
}
