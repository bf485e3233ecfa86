import { createHmac, randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import http from 'node:http';
import pg from 'pg';
import { WEBHOOK_SECRET, waitForDeliveries, type Sink, type SinkReport } from './delivery-harness.js';

/**
 * The delivery benches' baseline: the work Switchboard does for a burst of events — store the
 * events, a record per delivery, claim them, a Standard Webhooks-signed POST each, store each
 * outcome with an attempt row — hand-rolled with no framework, the way a well-written engine does
 * it, so the ratio measures the machine and not per-row round trips:
 *
 * - events and their records inserted 100 events at a time, one multi-row statement each;
 * - records claimed 200 at a time, one `UPDATE … FOR UPDATE SKIP LOCKED … RETURNING` per claim;
 * - outcomes stored 100 at a time, one statement updating the records and inserting the attempts;
 * - POSTs on a keep-alive agent with as many sockets as sends in flight (BARE_CONCURRENCY).
 *
 * `perRow` is the loop earlier versions of the bench used (a statement per record and per
 * outcome), kept so older figures stay comparable.
 */
export const BARE_CONCURRENCY = 64;
const CLAIM = 200;
const FLUSH = 100;

export interface BareRun {
  deliveries: number;
  seconds: number;
  report: SinkReport;
  /** CPU of this process (user + system) over the run, ms: the loop, its pg client and HTTP client. */
  cpuMs: number;
}

export async function bareLoop(url: string, sink: Sink, events: number, notifiers: number, style: 'batched' | 'perRow' = 'batched'): Promise<BareRun> {
  const pool = new pg.Pool({ connectionString: url, max: 10 });
  // An idle client cut when the scratch database is dropped must not crash the bench.
  pool.on('error', () => undefined);
  await pool.query(`CREATE TABLE IF NOT EXISTS bench_events (id uuid PRIMARY KEY, event_id text UNIQUE, data jsonb, created_at timestamptz DEFAULT now())`);
  await pool.query(
    `CREATE TABLE IF NOT EXISTS bench_records (id uuid PRIMARY KEY, event_id text, target int, status text, body text, attempt_count int DEFAULT 0, updated_at timestamptz DEFAULT now())`,
  );
  await pool.query(`CREATE INDEX IF NOT EXISTS bench_records_due ON bench_records (updated_at) WHERE status = 'queued'`);
  await pool.query(`CREATE TABLE IF NOT EXISTS bench_attempts (id uuid PRIMARY KEY, record_id uuid, outcome text, created_at timestamptz DEFAULT now())`);
  await pool.query(`TRUNCATE bench_events, bench_records, bench_attempts`);
  const agent = new http.Agent({ keepAlive: true, maxSockets: BARE_CONCURRENCY });
  const post = signedPoster(sink.port, agent);

  await sink.reset();
  const cpu0 = process.cpuUsage();
  const t0 = Date.now();
  if (style === 'batched') await batched(pool, post, events, notifiers);
  else await perRow(pool, post, events, notifiers);
  const report = await waitForDeliveries(sink, events * notifiers, 120_000);
  const cpu = process.cpuUsage(cpu0);
  agent.destroy();
  await pool.end();
  return { deliveries: report.deliveries, seconds: (report.lastAt - t0) / 1_000, report, cpuMs: (cpu.user + cpu.system) / 1_000 };
}

type Post = (id: string, body: string, target: number) => Promise<number>;

function signedPoster(port: number, agent: http.Agent): Post {
  const key = Buffer.from(WEBHOOK_SECRET.slice('whsec_'.length), 'base64');
  return (id, body, target) =>
    new Promise<number>((resolve, reject) => {
      const ts = String(Math.floor(Date.now() / 1_000));
      const signature = `v1,${createHmac('sha256', key).update(`${id}.${ts}.${body}`).digest('base64')}`;
      const req = http.request(
        { host: '127.0.0.1', port, path: `/hook/${target}`, method: 'POST', agent, headers: { 'content-type': 'application/json', 'webhook-id': id, 'webhook-timestamp': ts, 'webhook-signature': signature } },
        (res) => {
          res.resume();
          res.on('end', () => resolve(res.statusCode ?? 0));
        },
      );
      req.on('error', reject);
      req.end(body);
    });
}

const orderPaid = (eventId: string) => ({ order_id: eventId, customer_email: 'bench@example.test', amount: '10.00', currency: 'USD' });

/** Events and records written 100 events at a time while a claimer/sender/finisher pipeline drains them. */
async function batched(pool: pg.Pool, post: Post, events: number, notifiers: number): Promise<void> {
  const total = events * notifiers;
  let written = 0;
  let finished = 0;
  const writer = (async () => {
    for (let i = 0; i < events; i += 100) {
      const batch = Array.from({ length: Math.min(100, events - i) }, (_, j) => ({ eventId: `bare-${i + j}`, occurredAt: new Date().toISOString() }));
      const records = batch.flatMap((b) => Array.from({ length: notifiers }, (_, t) => ({ ...b, id: randomUUID(), target: t + 1 })));
      await pool.query(
        `WITH ev AS (INSERT INTO bench_events (id, event_id, data) SELECT * FROM unnest($1::uuid[], $2::text[], $3::jsonb[]))
         INSERT INTO bench_records (id, event_id, target, status, body) SELECT id, event_id, target, 'queued', body FROM unnest($4::uuid[], $5::text[], $6::int[], $7::text[]) AS u(id, event_id, target, body)`,
        [
          batch.map(() => randomUUID()),
          batch.map((b) => b.eventId),
          batch.map((b) => JSON.stringify(orderPaid(b.eventId))),
          records.map((r) => r.id),
          records.map((r) => r.eventId),
          records.map((r) => r.target),
          records.map((r) => JSON.stringify({ type: 'order_paid', timestamp: r.occurredAt, data: { notification_id: r.id, event: orderPaid(r.eventId) } })),
        ],
      );
      written += records.length;
    }
  })();

  const outcomes: { id: string; status: string }[] = [];
  const flushes = new Set<Promise<unknown>>();
  const flush = () => {
    const rows = outcomes.splice(0);
    if (rows.length === 0) return;
    const p = pool
      .query(
        `WITH upd AS (
           UPDATE bench_records r SET status = u.status, attempt_count = r.attempt_count + 1, updated_at = now()
             FROM unnest($1::uuid[], $2::text[]) AS u(id, status) WHERE r.id = u.id RETURNING r.id, u.status
         )
         INSERT INTO bench_attempts (id, record_id, outcome) SELECT gen_random_uuid(), id, status FROM upd`,
        [rows.map((r) => r.id), rows.map((r) => r.status)],
      )
      .finally(() => flushes.delete(p));
    flushes.add(p);
  };
  const timer = setInterval(flush, 5);

  let inFlight = 0;
  const ready: { id: string; target: number; body: string }[] = [];
  let claiming: Promise<void> | null = null;
  const claim = async () => {
    const { rows } = await pool.query<{ id: string; target: number; body: string }>(
      `UPDATE bench_records SET status = 'sending', updated_at = now()
        WHERE id IN (SELECT id FROM bench_records WHERE status = 'queued' ORDER BY updated_at LIMIT $1 FOR UPDATE SKIP LOCKED)
        RETURNING id, target, body`,
      [CLAIM],
    );
    ready.push(...rows);
  };
  await new Promise<void>((resolve, reject) => {
    const pump = () => {
      while (inFlight < BARE_CONCURRENCY && ready.length > 0) {
        const job = ready.shift()!;
        inFlight += 1;
        post(job.id, job.body, job.target)
          .then((status) => {
            outcomes.push({ id: job.id, status: status < 300 ? 'sent' : 'failed' });
            if (outcomes.length >= FLUSH) flush();
            inFlight -= 1;
            finished += 1;
            if (finished === total) resolve();
            else pump();
          })
          .catch(reject);
      }
      if (ready.length < BARE_CONCURRENCY && !claiming && finished + inFlight + ready.length < total) {
        claiming = claim()
          .then(() => {
            claiming = null;
            // Nothing claimable yet (the writer is behind): look again shortly.
            if (ready.length === 0) setTimeout(pump, written > finished + inFlight ? 0 : 2);
            else pump();
          })
          .catch(reject);
      }
    };
    pump();
  });
  clearInterval(timer);
  flush();
  await writer;
  await Promise.all(flushes);
}

/** The earlier baseline: a statement per record before its POST and one per outcome after it. */
async function perRow(pool: pg.Pool, post: Post, events: number, notifiers: number): Promise<void> {
  const queue: { eventId: string; occurredAt: string; target: number }[] = [];
  for (let i = 0; i < events; i += 100) {
    const batch = Array.from({ length: Math.min(100, events - i) }, (_, j) => ({ eventId: `bare-${i + j}`, occurredAt: new Date().toISOString() }));
    await pool.query(`INSERT INTO bench_events (id, event_id, data) SELECT * FROM unnest($1::uuid[], $2::text[], $3::jsonb[])`, [
      batch.map(() => randomUUID()),
      batch.map((b) => b.eventId),
      batch.map((b) => JSON.stringify(orderPaid(b.eventId))),
    ]);
    for (const b of batch) for (let t = 1; t <= notifiers; t++) queue.push({ ...b, target: t });
  }
  let next = 0;
  const worker = async () => {
    while (next < queue.length) {
      const job = queue[next++];
      const id = randomUUID();
      await pool.query(`INSERT INTO bench_records (id, event_id, target, status) VALUES ($1, $2, $3, 'sending')`, [id, job.eventId, job.target]);
      const body = JSON.stringify({ type: 'order_paid', timestamp: job.occurredAt, data: { notification_id: id, event: orderPaid(job.eventId) } });
      const status = await post(id, body, job.target);
      await pool.query(
        `WITH upd AS (UPDATE bench_records SET status = $2, attempt_count = attempt_count + 1, updated_at = now() WHERE id = $1 RETURNING id)
         INSERT INTO bench_attempts (id, record_id, outcome) SELECT $3, id, $2 FROM upd`,
        [id, status < 300 ? 'sent' : 'failed', randomUUID()],
      );
    }
  };
  await Promise.all(Array.from({ length: BARE_CONCURRENCY }, worker));
}

/** CPU (user + system) a process has used so far, ms, from /proc (Linux). */
export function processCpuMs(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // utime and stime are fields 14 and 15 of stat (11 and 12 after the name); clock ticks of 10 ms.
  return (Number(fields[11]) + Number(fields[12])) * 10;
}
