import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, type EntityManager } from 'typeorm';
import { OUTBOX_NOTIFY_CHANNEL } from './events.events.js';
import { laneState, type LaneState, type LaneTally } from '../../common/fair-lanes.js';
import { defaultPriorityOf } from './event-catalog.js';
import { PRIORITY_RANK, priorityOfRank, type EventEnvelope, type EventPriority } from './events.types.js';

/** A pending row as the relay claims it. */
export interface OutboxRow {
  id: string;
  eventId: string;
  eventType: string;
  eventVersion: string;
  source: string | null;
  occurredAt: Date;
  data: unknown;
  traceId: string | null;
  deliverAt: Date | null;
  attempts: number;
  priority: EventPriority;
}

/** What one claim took: the rows (high ones first), per lane, and whether either lane may hold more. */
export interface OutboxClaim {
  rows: OutboxRow[];
  taken: LaneTally;
  /** How the lanes were found (fair-lanes.ts: whether the stretch bulk's share is counted over goes on). */
  state: LaneState;
  /** Rows were claimed and more are due: claim again at once. */
  more: boolean;
}

export interface OutboxStats {
  pending: number;
  dead: number;
  /** Age of the oldest pending row, seconds; 0 when none. */
  lagSeconds: number;
}

const CLAIMED = 'id, event_id, event_type, event_version, source, occurred_at, data, trace_id, deliver_at, attempts, priority';

function toRow(r: Record<string, unknown>): OutboxRow {
  return {
    id: r.id as string,
    eventId: r.event_id as string,
    eventType: r.event_type as string,
    eventVersion: r.event_version as string,
    source: r.source as string | null,
    occurredAt: r.occurred_at as Date,
    data: r.data,
    traceId: r.trace_id as string | null,
    deliverAt: r.deliver_at as Date | null,
    attempts: r.attempts as number,
    priority: priorityOfRank(r.priority as number),
  };
}

/**
 * The only place that queries outbox_events. Times are the database's (`now()`), so replicas with
 * skewed clocks agree on what is due.
 */
@Injectable()
export class OutboxRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  /**
   * Inserts the events (in `manager`'s transaction when given) and returns the event ids that were
   * new; an id already in the outbox is skipped (the dedup key). NOTIFY is sent in the same
   * statement, so listeners hear it when the transaction commits, never before.
   */
  async insert(rows: (EventEnvelope & { id: string })[], manager?: EntityManager): Promise<Set<string>> {
    const runner = manager ?? this.dataSource.manager;
    const inserted = await runner.query<{ event_id: string }[]>(
      `WITH ins AS (
         INSERT INTO outbox_events (id, event_id, event_type, event_version, source, occurred_at, data, trace_id, deliver_at, priority)
         SELECT u.id, u.event_id, u.event_type, u.event_version, u.source, u.occurred_at, u.data::jsonb, u.trace_id, u.deliver_at,
                COALESCE((SELECT p.priority FROM event_priorities p WHERE p.event_type = u.event_type), u.default_priority)
           FROM unnest($1::uuid[], $2::varchar[], $3::varchar[], $4::varchar[], $5::varchar[], $6::timestamptz[], $7::text[], $8::varchar[], $9::timestamptz[], $10::smallint[])
             AS u(id, event_id, event_type, event_version, source, occurred_at, data, trace_id, deliver_at, default_priority)
         ON CONFLICT (event_id) DO NOTHING
         RETURNING event_id
       )
       SELECT event_id, pg_notify('${OUTBOX_NOTIFY_CHANNEL}', '') FROM ins`,
      [
        rows.map((r) => r.id),
        rows.map((r) => r.eventId),
        rows.map((r) => r.eventType),
        rows.map((r) => r.eventVersion),
        rows.map((r) => r.source),
        rows.map((r) => r.occurredAt.toISOString()),
        rows.map((r) => JSON.stringify(r.data)),
        rows.map((r) => r.traceId),
        rows.map((r) => r.deliverAt?.toISOString() ?? null),
        rows.map((r) => PRIORITY_RANK[defaultPriorityOf(r.eventType)]),
      ],
    );
    return new Set(inserted.map((r) => r.event_id));
  }

  /**
   * Locks up to `limit` due pending rows for the caller's transaction, rows other relays hold
   * skipped: high rows first, up to `limit - reserve`, then normal rows for what is left (at least
   * `reserve`, bulk's share: fair-lanes.ts). Each lane is read in due order through its own index,
   * and the same statement says whether either lane has more due rows than it took.
   */
  async claimDue(manager: EntityManager, limit: number, reserve: number): Promise<OutboxClaim> {
    const rows = await manager.query<(Record<string, unknown> & { high_more: boolean; normal_more: boolean })[]>(
      `WITH high AS (
         SELECT ${CLAIMED} FROM outbox_events
          WHERE status = 'pending' AND next_attempt_at <= now() AND priority > 0
          ORDER BY next_attempt_at, id LIMIT $1 FOR UPDATE SKIP LOCKED
       ), normal AS (
         SELECT ${CLAIMED} FROM outbox_events
          WHERE status = 'pending' AND next_attempt_at <= now() AND priority = 0
          ORDER BY next_attempt_at, id LIMIT $2::int - (SELECT count(*) FROM high)::int FOR UPDATE SKIP LOCKED
       ), waiting AS (
         SELECT EXISTS (SELECT 1 FROM outbox_events WHERE status = 'pending' AND next_attempt_at <= now() AND priority > 0 AND id NOT IN (SELECT id FROM high)) AS high_more,
                EXISTS (SELECT 1 FROM outbox_events WHERE status = 'pending' AND next_attempt_at <= now() AND priority = 0 AND id NOT IN (SELECT id FROM normal)) AS normal_more
       )
       SELECT c.*, w.high_more, w.normal_more FROM waiting w LEFT JOIN (SELECT * FROM high UNION ALL SELECT * FROM normal) c ON true`,
      [limit - Math.min(reserve, limit), limit],
    );
    const claimed = rows.filter((r) => r.id !== null).map(toRow);
    const taken = { high: claimed.filter((r) => r.priority === 'high').length, normal: 0 };
    taken.normal = claimed.length - taken.high;
    const { high_more: highMore, normal_more: normalMore } = rows[0] ?? { high_more: false, normal_more: false };
    return { rows: claimed, taken, state: laneState(taken.high > 0 || highMore ? 1 : 0, taken.normal > 0 || normalMore ? 1 : 0), more: claimed.length > 0 && (highMore || normalMore) };
  }

  async markProcessed(manager: EntityManager, ids: string[]): Promise<void> {
    if (ids.length === 0) return;
    await manager.query(`UPDATE outbox_events SET status = 'processed', processed_at = now(), last_error = NULL WHERE id = ANY($1::uuid[])`, [ids]);
  }

  async markDead(manager: EntityManager, id: string, reason: string, attempts?: number): Promise<void> {
    await manager.query(`UPDATE outbox_events SET status = 'dead', processed_at = now(), last_error = $2, attempts = COALESCE($3, attempts) WHERE id = $1`, [
      id,
      reason,
      attempts ?? null,
    ]);
  }

  async markFailed(manager: EntityManager, id: string, attempts: number, retryInMs: number, error: string): Promise<void> {
    await manager.query(
      `UPDATE outbox_events SET attempts = $2, next_attempt_at = now() + ($3::int * interval '1 millisecond'), last_error = $4 WHERE id = $1`,
      [id, attempts, retryInMs, error],
    );
  }

  /** Deletes processed rows older than `days`; dead rows are kept. Returns how many went. */
  async pruneProcessed(days: number): Promise<number> {
    const result = await this.dataSource.query<[unknown[], number]>(
      `DELETE FROM outbox_events WHERE status = 'processed' AND processed_at < now() - ($1::int * interval '1 day')`,
      [days],
    );
    return result[1] ?? 0;
  }

  /**
   * The metrics gauges, read at every scrape: each count goes through its partial index (pending:
   * outbox_events_due_idx, dead: outbox_events_dead_idx), so the processed rows kept for
   * OUTBOX_RETENTION_DAYS are never read.
   */
  async stats(): Promise<OutboxStats> {
    const [row] = await this.dataSource.query<{ pending: string; dead: string; lag: number | null }[]>(
      `SELECT (SELECT count(*) FROM outbox_events WHERE status = 'pending') AS pending,
              (SELECT count(*) FROM outbox_events WHERE status = 'dead') AS dead,
              (SELECT EXTRACT(EPOCH FROM now() - min(created_at))::float8 FROM outbox_events WHERE status = 'pending') AS lag`,
    );
    return { pending: Number(row.pending), dead: Number(row.dead), lagSeconds: Math.max(0, row.lag ?? 0) };
  }
}
