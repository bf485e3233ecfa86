import { randomUUID } from 'node:crypto';
import { NotificationRecordRepository, type NewRecord } from '../../src/modules/notification/records/notification-record.repository.js';
import { RecordRetention } from '../../src/modules/notification/records/record-retention.service.js';
import { appDatabase, type AppDatabase } from '../support/app-database.js';
import { startTestApp, type TestApp } from '../support/test-app.js';

/**
 * NOTIFICATION_RETENTION_DAYS: finished records past the retention go with their attempts;
 * everything still to be sent, and everything recent, stays. On the real schema, records written by
 * the repository and aged with SQL.
 */
describe('notification record retention', () => {
  let app: TestApp;
  let db: AppDatabase;

  beforeAll(async () => {
    app = await startTestApp({ SWITCHBOARD_ROLE: 'api', NOTIFICATION_RETENTION_DAYS: '30' });
    db = appDatabase(app);
  });
  afterAll(async () => {
    await app?.close();
  });

  const record = (id: string): NewRecord => ({
    id,
    dedupKey: id,
    eventId: `retention:${id}`,
    eventType: 'test',
    interfaceId: randomUUID(),
    channelType: 'webhook',
    pluginId: 'webhook',
    channelName: 'hook',
    recipient: null,
    recipients: [],
    title: 't',
    body: 'b',
    data: {},
    metadata: {},
    language: null,
    templateId: null,
    templateVersion: null,
    status: 'queued',
    maxAttempts: 3,
    lastErrorCode: null,
    lastErrorMessage: null,
    occurredAt: new Date(),
    traceId: null,
    priority: 'normal',
  });

  it('deletes finished records older than the retention with their attempts, and nothing else', async () => {
    const cases = { oldSent: 'sent', oldDead: 'dead', oldSkipped: 'skipped', oldCancelled: 'cancelled', oldFailed: 'failed', oldQueued: 'queued', recentSent: 'sent' } as const;
    const ids = Object.fromEntries(Object.keys(cases).map((k) => [k, randomUUID()])) as Record<keyof typeof cases, string>;
    await app.running.app.get(NotificationRecordRepository).insert(Object.values(ids).map(record));
    for (const [name, status] of Object.entries(cases) as [keyof typeof cases, string][]) {
      const age = name.startsWith('old') ? '31 days' : '29 days';
      await db.query(`UPDATE notification_records SET status = $2, updated_at = now() - $3::interval WHERE id = $1`, [ids[name], status, age]);
      await db.query(
        `INSERT INTO notification_attempts (id, record_id, attempt_no, worker_id, started_at, finished_at, duration_ms, outcome)
         VALUES ($1, $2, 1, 'w', now(), now(), 1, 'success')`,
        [randomUUID(), ids[name]],
      );
    }
    const removed = await app.running.app.get(RecordRetention).prune();
    expect(removed).toBe(4);
    const left = (await db.query<{ id: string }>('SELECT id FROM notification_records WHERE id = ANY($1::uuid[])', [Object.values(ids)])).rows.map((r) => r.id).sort();
    expect(left).toEqual([ids.oldFailed, ids.oldQueued, ids.recentSent].sort());
    const attempts = (await db.query<{ record_id: string }>('SELECT record_id FROM notification_attempts WHERE record_id = ANY($1::uuid[])', [Object.values(ids)])).rows.map((r) => r.record_id).sort();
    expect(attempts).toEqual(left);
    expect(await app.running.app.get(RecordRetention).prune()).toBe(0);
  });
});
