import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { pgTransaction } from '../../../common/database/pg-transaction.js';
import { laneState, pickFromLanes, type LaneState, type LaneTally } from '../../../common/fair-lanes.js';
import { SecretBox } from '../../../common/secrets/secret-box.js';
import { RECORD_COLUMNS, toRecord } from '../records/notification-record.row.js';
import type { NotificationRecord } from '../notification.types.js';

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

/** What one claim took: the records, per lane, and how it found the lanes (fair-lanes.ts). */
export interface RecordClaim {
  records: NotificationRecord[];
  taken: LaneTally;
  state: LaneState;
}

/**
 * The delivery queue over notification_records: the dispatcher's claims and finishes. Claims use
 * FOR UPDATE SKIP LOCKED and a lease, so no record is sent by two workers at once; every finish
 * is fenced on (claimed_by, attempt_count), so a worker that lost its lease cannot overwrite the
 * attempt that replaced it. Times are the database's.
 */
@Injectable()
export class DeliveryQueue {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly box: SecretBox,
  ) {}

  /**
   * Claims up to `limit` due records for `workerId` (queued, or failed and due), at most
   * `perInterface(id)` per interface and none of `busy` interfaces: each becomes `sending` with
   * attempt_count + 1 and a lease of `leaseMs`. High-priority records first, bulk keeping `share` of
   * the slots over the stretch `tally` counts (pickFromLanes); each lane's candidates are read in
   * due order through its own index.
   */
  async claimDue(
    workerId: string,
    limit: number,
    lanes: { tally: LaneTally; share: number },
    leaseMs: number,
    busy: string[],
    perInterface: (interfaceId: string) => number,
  ): Promise<RecordClaim> {
    return pgTransaction(this.dataSource, async (query) => {
      const candidates = await query<{ id: string; interface_id: string; priority: number }>({
        name: 'delivery_claim_candidates',
        text: `WITH high AS (
           SELECT id, interface_id, priority FROM notification_records
            WHERE status IN ('queued', 'failed') AND next_attempt_at <= now() AND priority > 0 AND NOT (interface_id = ANY($2::uuid[]))
            ORDER BY next_attempt_at LIMIT $1 FOR UPDATE SKIP LOCKED
         ), normal AS (
           SELECT id, interface_id, priority FROM notification_records
            WHERE status IN ('queued', 'failed') AND next_attempt_at <= now() AND priority = 0 AND NOT (interface_id = ANY($2::uuid[]))
            ORDER BY next_attempt_at LIMIT $1 FOR UPDATE SKIP LOCKED
         )
         SELECT * FROM high UNION ALL SELECT * FROM normal`,
        values: [Math.min(limit * 4, 2_000), busy],
      });
      const byLane = { high: candidates.filter((c) => c.priority > 0), normal: candidates.filter((c) => c.priority === 0) };
      const perInterfaceTaken = new Map<string, number>();
      const { picked, taken } = pickFromLanes(byLane, limit, lanes.tally, lanes.share, (c) => {
        const n = perInterfaceTaken.get(c.interface_id) ?? 0;
        if (n >= perInterface(c.interface_id)) return false;
        perInterfaceTaken.set(c.interface_id, n + 1);
        return true;
      });
      const state = laneState(byLane.high.length, byLane.normal.length);
      if (picked.length === 0) return { records: [], taken, state };
      const rows = await query<Record<string, unknown>>({
        name: 'delivery_claim_take',
        text: `UPDATE notification_records
            SET status = 'sending', attempt_count = attempt_count + 1, lease_expires_at = now() + ($3::int * interval '1 millisecond'),
                claimed_by = $2, updated_at = now()
          WHERE id = ANY($1::uuid[])
          RETURNING ${RECORD_COLUMNS}`,
        values: [picked.map((c) => c.id), workerId, leaseMs],
      });
      return { records: rows.map((r) => toRecord(r, this.box)), taken, state };
    });
  }

  /**
   * claimDue restricted to `ids` (an immediate send delivering its own records now): the same
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
        RETURNING ${RECORD_COLUMNS}`,
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

  /**
   * Stores the outcomes of attempts, each with its attempt row, in one statement; answers, per
   * attempt and in order, whether it was stored — false when this worker no longer owned the
   * record (its lease was taken over: the fence is claimed_by and attempt_count, row by row).
   */
  async finish(attempts: readonly FinishedAttempt[]): Promise<boolean[]> {
    if (attempts.length === 0) return [];
    // One JSON document for the whole batch: serialised once, natively, where 16 parallel arrays
    // had every payload escaped again element by element.
    const batch = attempts.map((a) => ({
      record_id: a.recordId,
      worker_id: a.workerId,
      status: a.status,
      retry_ms: a.retryInMs,
      error_code: a.errorCode,
      error_message: a.errorMessage,
      provider_message_id: a.providerMessageId,
      attempt_no: a.attemptNo,
      attempt_id: a.attemptId,
      started_at: a.startedAt.toISOString(),
      finished_at: a.finishedAt.toISOString(),
      duration_ms: Math.max(0, a.finishedAt.getTime() - a.startedAt.getTime()),
      outcome: a.outcome,
      retry_after_seconds: a.retryAfterSeconds,
      request_payload: a.requestPayload ?? null,
      response_payload: a.responsePayload ?? null,
    }));
    const rows = await this.dataSource.query<{ record_id: string }[]>(
      `WITH u AS (
         SELECT * FROM jsonb_to_recordset($1::jsonb)
           AS u(record_id uuid, worker_id varchar, status varchar, retry_ms int, error_code varchar, error_message text, provider_message_id varchar,
                attempt_no int, attempt_id uuid, started_at timestamptz, finished_at timestamptz, duration_ms int, outcome varchar,
                retry_after_seconds int, request_payload jsonb, response_payload jsonb)
       ), upd AS (
         UPDATE notification_records r
            SET status = u.status, next_attempt_at = CASE WHEN u.retry_ms IS NULL THEN r.next_attempt_at ELSE now() + (u.retry_ms * interval '1 millisecond') END,
                lease_expires_at = NULL, claimed_by = NULL, last_error_code = u.error_code, last_error_message = u.error_message,
                provider_message_id = COALESCE(u.provider_message_id, r.provider_message_id), sent_at = CASE WHEN u.status = 'sent' THEN now() ELSE r.sent_at END,
                updated_at = now()
           FROM u
          WHERE r.id = u.record_id AND r.claimed_by = u.worker_id AND r.status = 'sending' AND r.attempt_count = u.attempt_no
          RETURNING r.id
       )
       INSERT INTO notification_attempts (id, record_id, attempt_no, worker_id, started_at, finished_at, duration_ms, outcome, error_code,
         error_message, retry_after_seconds, request_payload, response_payload)
       SELECT u.attempt_id, u.record_id, u.attempt_no, u.worker_id, u.started_at, u.finished_at, u.duration_ms, u.outcome, u.error_code, u.error_message,
              u.retry_after_seconds, u.request_payload, u.response_payload
         FROM u JOIN upd ON upd.id = u.record_id
       RETURNING record_id`,
      [JSON.stringify(batch)],
    );
    const stored = new Set(rows.map((r) => r.record_id));
    return attempts.map((a) => stored.has(a.recordId));
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

}
