import { EventEmitter2 } from '@nestjs/event-emitter';
import { InProcessEmitter } from '../../../common/in-process-events.js';
import { createLogger } from '../../../common/logging/logger.js';
import { AppError } from '../../../common/errors/app-error.js';
import type { Caller } from '../../../common/auth/caller.js';
import type { AppConfig } from '../../../config/app-config.js';
import { DeliveryLogService, MAX_RETRY_BATCH } from './delivery-log.service.js';
import type { NotificationRecordRepository, RecordCursor } from './notification-record.repository.js';
import { encodeCursor } from './notification-record.repository.js';
import type { NotificationRecord, RecordFilter, RecordStatus } from '../notification.types.js';

const ID = '01a23433-a3fe-774e-8ace-000000000001';
const ADMIN: Caller = { sub: 'root', role: 'admin', permissions: [] };

function record(status: RecordStatus, attemptCount = 1): NotificationRecord {
  const at = new Date('2026-01-02T03:04:05Z');
  return {
    id: ID, eventId: 'e1', eventType: 'order_paid', interfaceId: ID, channelType: 'webhook', pluginId: 'webhook', channelName: 'hook',
    recipient: null, recipients: [],
  target: null,
  targetSecret: null, title: 't', body: 'b', data: {}, metadata: {}, language: null, templateId: null, templateVersion: null,
    status, attemptCount, maxAttempts: 3, nextAttemptAt: at, lastErrorCode: null, lastErrorMessage: null, providerMessageId: null,
    occurredAt: at, traceId: null, senderSub: 'alice', priority: 'normal', createdAt: at, updatedAt: at, sentAt: null,
  };
}

/** The repository's surface the service uses, recording calls; states change as the test scripts them. */
class FakeRecords {
  states: (NotificationRecord | null)[] = [];
  requeued: string[] = [];
  calls: { method: string; args: unknown[] }[] = [];
  async findById(): Promise<NotificationRecord | null> {
    return this.states.length > 1 ? this.states.shift()! : (this.states[0] ?? null);
  }
  async attemptsOf(): Promise<[]> {
    return [];
  }
  async list(filter: RecordFilter, limit: number, after: RecordCursor | null) {
    this.calls.push({ method: 'list', args: [filter, limit, after] });
    return { records: [], nextCursor: null };
  }
  async requeue(filter: unknown, maxAttempts: number, limit: number): Promise<string[]> {
    this.calls.push({ method: 'requeue', args: [filter, maxAttempts, limit] });
    return this.requeued;
  }
  async cancel(id: string): Promise<NotificationRecord | null> {
    this.calls.push({ method: 'cancel', args: [id] });
    return record('cancelled');
  }
}

const CONFIG = { delivery: { retryScheduleMs: [5_000, 30_000, 120_000] } } as unknown as AppConfig;

function setup() {
  const records = new FakeRecords();
  const emitter = new InProcessEmitter(new EventEmitter2());
  const woken: unknown[] = [];
  emitter.on('notification.records_queued', () => woken.push('notification.records_queued'));
  const service = new DeliveryLogService(records as unknown as NotificationRecordRepository, emitter, CONFIG, createLogger('silent'));
  return { records, service, woken };
}

async function failure(promise: Promise<unknown>): Promise<AppError> {
  try {
    await promise;
  } catch (err) {
    if (err instanceof AppError) return err;
    throw err;
  }
  throw new Error('expected the call to fail');
}

describe('DeliveryLogService', () => {
  describe('list', () => {
    it('defaults to 50 per page, checks and normalises the filter, decodes the cursor', async () => {
      const { records, service } = setup();
      const after = encodeCursor({ createdAtUs: '1796171758853300', id: ID.toUpperCase() });
      await service.list({ statuses: ['dead', 'failed', 'dead'], channelTypes: [], interfaceId: ID.toUpperCase(), createdAfter: '2026-01-01T00:00:00+02:00' }, undefined, after);
      expect(records.calls[0]).toEqual({
        method: 'list',
        args: [{ statuses: ['dead', 'failed'], interfaceId: ID, createdAfter: new Date('2025-12-31T22:00:00Z') }, 50, { createdAtUs: '1796171758853300', id: ID }],
      });
    });

    it.each([
      ['statuses not a list', { statuses: 'dead' }, 1, 'filter.statuses'],
      ['a status not a string', { statuses: [3] }, 1, 'filter.statuses'],
      ['an unknown channel type', { channelTypes: ['fax'] }, 1, 'filter.channelTypes'],
      ['an event type longer than the column', { eventTypes: ['x'.repeat(101)] }, 1, 'filter.eventTypes'],
      ['an event id with a control character', { eventId: 'a\u0000b' }, 1, 'filter.eventId'],
      ['a date without a time', { createdBefore: '2026-01-01' }, 1, 'filter.createdBefore'],
      ['an invalid Date', { createdAfter: new Date(Number.NaN) }, 1, 'filter.createdAfter'],
      ['an empty time range', { createdAfter: '2026-01-01T00:00:00Z', createdBefore: '2026-01-01T00:00:00Z' }, 1, 'filter.createdBefore'],
      ['a fractional page size', {}, 1.5, 'first'],
      ['a page size as text', {}, '10', 'first'],
    ])('%s names the field', async (_name, filter, first, field) => {
      const error = await failure(setup().service.list(filter, first, null));
      expect(error.code).toBe('common.validation_failed');
      expect(error.details).toEqual({ violations: [{ field, message: expect.any(String) }] });
    });

    it('refuses a cursor it did not make, or an over-long one', async () => {
      for (const after of ['abc', encodeCursor({ createdAtUs: '12|x', id: ID }), 'A'.repeat(201), 42]) {
        const error = await failure(setup().service.list({}, 10, after));
        expect(error.details).toEqual({ violations: [{ field: 'after', message: 'must be a nextCursor returned by notificationRecords' }] });
      }
    });
  });

  describe('retry', () => {
    it('requeues a dead record with the configured number of attempts and wakes the dispatcher', async () => {
      const { records, service, woken } = setup();
      records.states = [record('dead'), record('queued')];
      records.requeued = [ID];
      await expect(service.retry(ID)).resolves.toMatchObject({ id: ID, status: 'queued' });
      expect(records.calls).toEqual([{ method: 'requeue', args: [{ ids: [ID] }, 4, 1] }]);
      expect(woken).toEqual(['notification.records_queued']);
    });

    it.each(['queued', 'sending', 'sent', 'skipped'] as const)('a %s record is notif.record_not_replayable and nothing is requeued', async (status) => {
      const { records, service, woken } = setup();
      records.states = [record(status)];
      const error = await failure(service.retry(ID));
      expect(error.code).toBe('notif.record_not_replayable');
      expect(error.details).toEqual({ id: ID, status });
      expect(records.calls).toEqual([]);
      expect(woken).toEqual([]);
    });

    it('a record claimed between the read and the requeue is not replayable, with its new status', async () => {
      const { records, service, woken } = setup();
      records.states = [record('failed'), record('sending', 2)];
      records.requeued = [];
      const error = await failure(service.retry(ID));
      expect(error.code).toBe('notif.record_not_replayable');
      expect(error.details).toEqual({ id: ID, status: 'sending' });
      expect(woken).toEqual([]);
    });

    it('an unknown id is notif.record_not_found; a malformed one names id', async () => {
      const { service } = setup();
      expect((await failure(service.retry(ID))).code).toBe('notif.record_not_found');
      expect((await failure(service.get(ID, ADMIN))).code).toBe('notif.record_not_found');
      expect((await failure(service.retry('nope'))).details).toEqual({ violations: [{ field: 'id', message: 'must be a UUID, got "nope"' }] });
    });
  });

  describe('retryMany', () => {
    it(`replays at most ${MAX_RETRY_BATCH} per call and answers the count and ids`, async () => {
      const { records, service, woken } = setup();
      records.requeued = [ID];
      await expect(service.retryMany({ statuses: ['dead'], eventTypes: ['order_paid'] })).resolves.toEqual({ count: 1, ids: [ID] });
      expect(records.calls).toEqual([{ method: 'requeue', args: [{ statuses: ['dead'], eventTypes: ['order_paid'] }, 4, MAX_RETRY_BATCH] }]);
      expect(woken).toEqual(['notification.records_queued']);
    });

    it('does not wake anyone when nothing matched', async () => {
      const { service, woken } = setup();
      await expect(service.retryMany(null)).resolves.toEqual({ count: 0, ids: [] });
      expect(woken).toEqual([]);
    });

    it('refuses a status that cannot be replayed, naming filter.statuses', async () => {
      const { records, service } = setup();
      const error = await failure(service.retryMany({ statuses: ['failed', 'sent'] }));
      expect(error.details).toEqual({ violations: [{ field: 'filter.statuses', message: 'only failed and dead records can be retried, got sent' }] });
      expect(records.calls).toEqual([]);
    });
  });

  describe('ownership', () => {
    const owner: Caller = { sub: 'alice', role: 'user', permissions: ['notif.send_manual'] };
    const other: Caller = { sub: 'mallory', role: 'user', permissions: ['notif.send_manual'] };

    it.each([
      ['its sender', owner],
      ['an admin', ADMIN],
    ])('%s reads and cancels a record', async (_who, caller) => {
      const { records, service } = setup();
      records.states = [record('queued')];
      await expect(service.get(ID, caller)).resolves.toMatchObject({ id: ID });
      await expect(service.cancel(ID, caller)).resolves.toMatchObject({ status: 'cancelled' });
      expect(records.calls).toEqual([{ method: 'cancel', args: [ID] }]);
    });

    it('anyone else gets notif.record_not_found for it, as for no record, and cancels nothing', async () => {
      const { records, service } = setup();
      records.states = [record('queued')];
      expect((await failure(service.get(ID, other))).code).toBe('notif.record_not_found');
      expect((await failure(service.cancel(ID, other))).code).toBe('notif.record_not_found');
      expect(records.calls).toEqual([]);
    });

    it('a record no one sent (planned from an event) is an admin\'s alone', async () => {
      const { records, service } = setup();
      records.states = [{ ...record('queued'), senderSub: null }];
      expect((await failure(service.cancel(ID, owner))).code).toBe('notif.record_not_found');
      await expect(service.get(ID, ADMIN)).resolves.toMatchObject({ id: ID });
    });
  });
});
