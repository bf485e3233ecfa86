import { DataSource } from 'typeorm';
import { EventBus } from '../../src/modules/events/event-bus.service.js';
import { describeGraphqlAuthMatrix } from '../support/auth-matrix.js';
import { HttpTarget } from '../support/fake-servers/http-target.js';
import { graphql, type GraphqlResponse, type HttpResult } from '../support/http-client.js';
import { startTestApp, type TestApp } from '../support/test-app.js';
import { waitFor } from '../support/wait-for.js';

/** 24 random-looking bytes after whsec_: the Standard Webhooks secret shape the plugin wants. */
const SECRET_KEY = Buffer.from('dlog-secret-7f3a9c1e5b2d').toString('base64');
const SECRET = `whsec_${SECRET_KEY}`;
const FEISHU_TOKEN = 'feishu-bot-token-4e8c2a6f';
const NONE = '0192a123-0000-7000-8000-000000000000';

const RECORD = `id eventId eventType interfaceId channelType channelName recipient recipients { role email } title body data metadata
  status attemptCount maxAttempts nextAttemptAt lastErrorCode lastErrorMessage occurredAt createdAt updatedAt sentAt`;
const ATTEMPTS = 'attempts { id attemptNo workerId startedAt finishedAt durationMs outcome errorCode errorMessage retryAfterSeconds requestPayload responsePayload }';
const LIST = `query($filter: NotificationRecordFilter, $first: Int, $after: String) {
  notificationRecords(filter: $filter, first: $first, after: $after) { records { ${RECORD} } nextCursor }
}`;
const GET = `query($id: ID!) { notificationRecord(id: $id) { ${RECORD} ${ATTEMPTS} } }`;
const RETRY = `mutation($id: ID!) { retryNotification(id: $id) { ${RECORD} } }`;
const RETRY_MANY = 'mutation($filter: NotificationRecordFilter) { retryNotifications(filter: $filter) { count ids } }';

interface Rec {
  id: string;
  eventId: string;
  eventType: string;
  interfaceId: string;
  channelType: string;
  status: string;
  attemptCount: number;
  maxAttempts: number;
  createdAt: string;
  lastErrorCode: string | null;
  [key: string]: unknown;
}

/** Delivery attempts a record gets (DELIVERY_RETRY_SCHEDULE below has two steps). */
const ATTEMPTS_PER_RECORD = 3;

describe('delivery log over GraphQL: notificationRecords, notificationRecord, retryNotification(s)', () => {
  let app: TestApp;
  let target: HttpTarget;
  let bus: EventBus;
  const ids: Record<'ok' | 'bad' | 'down' | 'chat', string> = { ok: '', bad: '', down: '', chat: '' };
  /** Every GraphQL answer this spec received, to prove no secret ever appears in one. */
  const answers: string[] = [];
  /** Phase 1 and 2 events, and the instant between them (the time-range filter). */
  const phase1 = ['dl-order-1', 'dl-order-2'];
  const phase2 = ['dl-order-3'];
  const ticket = 'dl-ticket-1';
  let between = '';

  const gql = async <T = any>(query: string, variables: Record<string, unknown> = {}): Promise<HttpResult<GraphqlResponse<T>>> => {
    const res = await graphql<T>(app.httpUrl, query, variables, app.tokens.admin);
    answers.push(JSON.stringify(res.body));
    return res;
  };
  const list = async (filter: Record<string, unknown> = {}, first?: number, after?: string): Promise<{ records: Rec[]; nextCursor: string | null }> => {
    const res = await gql(LIST, { filter, first, after });
    if (res.body.errors) throw new Error(`notificationRecords failed: ${JSON.stringify(res.body.errors)}`);
    return res.body.data.notificationRecords;
  };
  /** Every record matching the filter, following nextCursor. */
  const all = async (filter: Record<string, unknown> = {}, first = 200): Promise<Rec[]> => {
    const out: Rec[] = [];
    let after: string | undefined;
    for (;;) {
      const page = await list(filter, first, after);
      out.push(...page.records);
      if (!page.nextCursor) return out;
      after = page.nextCursor;
    }
  };
  const get = async (id: string): Promise<Rec & { attempts: any[] }> => {
    const res = await gql(GET, { id });
    if (res.body.errors) throw new Error(`notificationRecord failed: ${JSON.stringify(res.body.errors)}`);
    return res.body.data.notificationRecord;
  };
  /** The one error of a GraphQL answer, its category, namespaced code and named fields. */
  const errorOf = (res: HttpResult<GraphqlResponse>) => {
    expect(res.body.errors).toHaveLength(1);
    const ext = res.body.errors![0].extensions!;
    return { code: ext.code, errorCode: ext.errorCode, fields: (ext.details?.violations ?? []).map((v: { field: string }) => v.field), message: res.body.errors![0].message };
  };
  const createInterface = async (plugin: string, displayName: string, config: Record<string, unknown>): Promise<string> => {
    const res = await gql('mutation($input: CreatePluginInterfaceInput!) { createPluginInterface(input: $input) { id } }', {
      input: { pluginDefId: plugin, displayName, config },
    });
    if (res.body.errors) throw new Error(`createPluginInterface failed: ${JSON.stringify(res.body.errors)}`);
    return res.body.data.createPluginInterface.id;
  };
  const orderPaid = (orderId: string) =>
    bus.publish({ eventId: orderId, eventType: 'order_paid', source: 'order-service', data: { order_id: orderId, customer_email: `${orderId}@example.com`, amount: '10.00', currency: 'USD' } });
  /** Waits until each event has its expected records and none is still queued or sending. */
  const settled = (eventIds: string[], perEvent: number) =>
    waitFor(async () => {
      const records = (await all()).filter((r) => eventIds.includes(r.eventId));
      return records.length === eventIds.length * perEvent && records.every((r) => !['queued', 'sending'].includes(r.status)) && records;
    }, 20_000);

  beforeAll(async () => {
    target = await HttpTarget.start();
    target.on('POST', '/ok', { status: 200, body: { received: true } });
    target.on('POST', '/bad', { status: 400, body: { error: 'unknown field' } });
    // 503 with a long Retry-After: the record is `failed` and stays so for the whole spec.
    target.on('POST', '/down', { status: 503, headers: { 'retry-after': '3600' }, body: 'maintenance' });
    target.on('POST', '/chat', { status: 200, body: { code: 0, msg: 'success', data: {} } });
    app = await startTestApp({
      PLUGIN_HTTP_ALLOW: target.hostPort,
      DELIVERY_RETRY_SCHEDULE: '1s,1s',
      DELIVERY_MIN_RETRY_MS: '200',
      DELIVERY_POLL_MS: '200',
      OUTBOX_POLL_MS: '200',
    });
    bus = app.running.app.get(EventBus);
    const plugins = await gql('{ plugins { id pluginType pluginId } }');
    const def = (key: string) => (plugins.body.data.plugins as { id: string; pluginType: string; pluginId: string }[]).find((p) => `${p.pluginType}/${p.pluginId}` === key)!.id;
    const webhook = (path: string, events: string[]) => ({ url: target.url(path), secret: SECRET, events });
    ids.ok = await createInterface(def('notifier/webhook'), 'hook-ok', webhook('/ok', ['order_paid', 'ticket_replied']));
    ids.bad = await createInterface(def('notifier/webhook'), 'hook-bad', webhook('/bad', ['order_paid']));
    ids.down = await createInterface(def('notifier/webhook'), 'hook-down', webhook('/down', ['order_paid']));
    ids.chat = await createInterface(def('notifier/feishu'), 'chat-ops', { webhook_url: target.url(`/chat?token=${FEISHU_TOKEN}`), events: ['ticket_replied'] });

    for (const id of phase1) await orderPaid(id);
    const first = await settled(phase1, 3);
    // Strictly after every phase-1 record and, after the pause, before every later one.
    between = new Date(Math.max(...first.map((r) => Date.parse(r.createdAt))) + 1).toISOString();
    await new Promise((r) => setTimeout(r, 50));
    for (const id of phase2) await orderPaid(id);
    await bus.publish({ eventId: ticket, eventType: 'ticket_replied', data: { ticket_id: 'T-9', subject: 'Disk full', creator_email: 'ann@example.com' } });
    await settled([...phase2], 3);
    await settled([ticket], 2);
  }, 60_000);

  afterAll(async () => {
    await app?.close();
    await target?.close();
  });

  describe('auth matrix: every delivery-log operation × caller', () => {
    describeGraphqlAuthMatrix(
      [
        { name: 'notificationRecords', access: 'admin', query: '{ notificationRecords { nextCursor } }' },
        { name: 'notificationRecord', access: 'admin', query: `{ notificationRecord(id: "${NONE}") { id } }` },
        { name: 'retryNotification', access: 'admin', query: `mutation { retryNotification(id: "${NONE}") { id } }` },
        { name: 'retryNotifications', access: 'admin', query: `mutation { retryNotifications(filter: { eventId: "${NONE}" }) { count } }` },
      ],
      () => ({ app }),
    );
  });

  describe('the pipeline produced what the targets answered', () => {
    it('an order_paid reaches every webhook notifier once: 200 → sent, 400 → dead after one attempt, 503 → failed', async () => {
      const records = await all({ eventTypes: ['order_paid'] });
      expect(records).toHaveLength(9);
      const byInterface = (id: string) => records.filter((r) => r.interfaceId === id);
      expect(byInterface(ids.ok).map((r) => r.status)).toEqual(['sent', 'sent', 'sent']);
      expect(byInterface(ids.bad).map((r) => [r.status, r.attemptCount, r.lastErrorCode])).toEqual(Array(3).fill(['dead', 1, 'payload_invalid']));
      expect(byInterface(ids.down).map((r) => [r.status, r.attemptCount, r.lastErrorCode])).toEqual(Array(3).fill(['failed', 1, 'provider_5xx']));
      for (const r of records) expect(r).toMatchObject({ channelType: 'webhook', recipient: null, maxAttempts: ATTEMPTS_PER_RECORD });
    });
  });

  describe('notificationRecords filters', () => {
    it('by statuses (any of them)', async () => {
      expect((await all({ statuses: ['dead'] })).map((r) => r.interfaceId)).toEqual(Array(3).fill(ids.bad));
      const failedOrDead = await all({ statuses: ['failed', 'dead'] });
      expect(failedOrDead).toHaveLength(6);
      expect(new Set(failedOrDead.map((r) => r.status))).toEqual(new Set(['failed', 'dead']));
      expect(await all({ statuses: ['sent'] })).toHaveLength(5);
      expect(await all({ statuses: ['skipped', 'queued'] })).toEqual([]);
    });

    it('by channelTypes', async () => {
      const chat = await all({ channelTypes: ['chat'] });
      expect(chat.map((r) => [r.interfaceId, r.eventId, r.status])).toEqual([[ids.chat, ticket, 'sent']]);
      expect(await all({ channelTypes: ['webhook'] })).toHaveLength(10);
      expect(await all({ channelTypes: ['webhook', 'chat'] })).toHaveLength(11);
      expect(await all({ channelTypes: ['email'] })).toEqual([]);
    });

    it('by eventTypes', async () => {
      const tickets = await all({ eventTypes: ['ticket_replied'] });
      expect(tickets.map((r) => r.interfaceId).sort()).toEqual([ids.ok, ids.chat].sort());
      expect(await all({ eventTypes: ['ticket_replied', 'order_paid'] })).toHaveLength(11);
      expect(await all({ eventTypes: ['user.created'] })).toEqual([]);
    });

    it('by interfaceId', async () => {
      const ok = await all({ interfaceId: ids.ok });
      expect(ok).toHaveLength(4);
      expect(ok.every((r) => r.interfaceId === ids.ok && r.channelName === 'hook-ok')).toBe(true);
      expect(await all({ interfaceId: NONE })).toEqual([]);
    });

    it('by eventId', async () => {
      const one = await all({ eventId: 'dl-order-2' });
      expect(one.map((r) => r.interfaceId).sort()).toEqual([ids.ok, ids.bad, ids.down].sort());
      expect(one[0]).toMatchObject({ eventType: 'order_paid', data: { order_id: 'dl-order-2', amount: '10.00', currency: 'USD' }, metadata: { event_id: 'dl-order-2', source: 'order-service' } });
    });

    it('by createdAfter / createdBefore (RFC 3339), alone and together', async () => {
      const later = await all({ createdAfter: between });
      expect(new Set(later.map((r) => r.eventId))).toEqual(new Set([...phase2, ticket]));
      const earlier = await all({ createdBefore: between });
      expect(new Set(earlier.map((r) => r.eventId))).toEqual(new Set(phase1));
      expect(later.length + earlier.length).toBe(11);
      const window = await all({ createdAfter: '2000-01-01T00:00:00Z', createdBefore: between, interfaceId: ids.bad });
      expect(window.map((r) => r.eventId).sort()).toEqual(phase1);
    });

    it('combines fields: all must match', async () => {
      const rows = await all({ statuses: ['failed'], eventTypes: ['order_paid'], channelTypes: ['webhook'], createdAfter: between });
      expect(rows.map((r) => [r.eventId, r.interfaceId])).toEqual([[phase2[0], ids.down]]);
    });
  });

  describe('cursor paging', () => {
    it('walks every record newest first, page by page, with no duplicate and no gap', async () => {
      const everything = (await list({}, 200)).records;
      expect(everything).toHaveLength(11);
      for (const size of [1, 2, 3, 4, 10]) {
        const seen: Rec[] = [];
        let after: string | undefined;
        let pages = 0;
        for (;;) {
          const page = await list({}, size, after);
          pages++;
          expect(page.records.length).toBeLessThanOrEqual(size);
          seen.push(...page.records);
          if (!page.nextCursor) break;
          expect(page.records).toHaveLength(size);
          after = page.nextCursor;
        }
        expect(pages).toBe(Math.ceil(11 / size));
        expect(seen.map((r) => r.id)).toEqual(everything.map((r) => r.id));
      }
      const times = everything.map((r) => Date.parse(r.createdAt));
      expect([...times].sort((a, b) => b - a)).toEqual(times);
    });

    it('pages within a filter, and the default page size is 50', async () => {
      const first = await list({ statuses: ['failed', 'dead'] }, 4);
      expect(first.records).toHaveLength(4);
      const second = await list({ statuses: ['failed', 'dead'] }, 4, first.nextCursor!);
      expect(second.records).toHaveLength(2);
      expect(second.nextCursor).toBeNull();
      expect(new Set([...first.records, ...second.records].map((r) => r.id)).size).toBe(6);
      const whole = await list();
      expect(whole.records).toHaveLength(11);
      expect(whole.nextCursor).toBeNull();
    });
  });

  describe('notificationRecord with its attempts', () => {
    it('a dead record shows its one attempt: what send() got and answered, and never the webhook secret', async () => {
      const [dead] = await all({ statuses: ['dead'], eventId: 'dl-order-1' });
      const record = await get(dead.id);
      expect(record).toMatchObject({ id: dead.id, status: 'dead', attemptCount: 1, lastErrorCode: 'payload_invalid', lastErrorMessage: 'endpoint answered HTTP 400' });
      expect(record.attempts).toHaveLength(1);
      const [attempt] = record.attempts;
      expect(attempt).toMatchObject({ attemptNo: 1, outcome: 'permanent_fail', errorCode: 'payload_invalid', retryAfterSeconds: null });
      expect(attempt.durationMs).toBeGreaterThanOrEqual(0);
      expect(Date.parse(attempt.finishedAt)).toBeGreaterThanOrEqual(Date.parse(attempt.startedAt));
      expect(attempt.requestPayload).toMatchObject({ notification_id: dead.id, event_type: 'order_paid', attempt: 1, data: { order_id: 'dl-order-1' } });
      expect(attempt.responsePayload).toMatchObject({ outcome: 'permanent_fail', error_code: 'payload_invalid' });
      // The target got the signed request, but the secret itself is nowhere in the answer.
      const sent = target.requests.find((r) => r.path === '/bad' && r.headers['webhook-id'] === dead.id);
      expect(sent?.headers['webhook-signature']).toMatch(/^v1,/);
      const text = JSON.stringify(record);
      expect(text).not.toContain(SECRET);
      expect(text).not.toContain(SECRET_KEY);
    });

    it('a failed record keeps the notifier\'s Retry-After; a sent one its success', async () => {
      const [failed] = await all({ statuses: ['failed'], eventId: 'dl-order-1' });
      const withAttempts = await get(failed.id);
      expect(withAttempts.attempts.map((a: any) => [a.outcome, a.errorCode, a.retryAfterSeconds])).toEqual([['temporary_fail', 'provider_5xx', 3600]]);
      expect(Date.parse(withAttempts.nextAttemptAt as string)).toBeGreaterThan(Date.now() + 3_000_000);
      const [sent] = await all({ statuses: ['sent'], eventId: 'dl-order-1' });
      const detail = await get(sent.id);
      expect(detail.sentAt).not.toBeNull();
      expect(detail.attempts.map((a: any) => a.outcome)).toEqual(['success']);
    });

    it('a page of the log can ask for attempts too', async () => {
      const res = await gql(`query($f: NotificationRecordFilter) { notificationRecords(filter: $f) { records { id attempts { attemptNo outcome } } } }`, { f: { interfaceId: ids.bad } });
      expect(res.body.errors).toBeUndefined();
      expect(res.body.data.notificationRecords.records.map((r: any) => r.attempts)).toEqual(Array(3).fill([{ attemptNo: 1, outcome: 'permanent_fail' }]));
    });

    it('an unknown id is NOT_FOUND / notif.record_not_found; a malformed one names the field', async () => {
      expect(errorOf(await gql(GET, { id: NONE }))).toMatchObject({ code: 'NOT_FOUND', errorCode: 'notif.record_not_found' });
      expect(errorOf(await gql(GET, { id: 'nope' }))).toMatchObject({ code: 'BAD_USER_INPUT', errorCode: 'common.validation_failed', fields: ['id'] });
    });
  });

  describe('bad input is BAD_USER_INPUT naming the field', () => {
    it.each([
      ['an unknown status', { filter: { statuses: ['sent', 'lost'] } }, 'filter.statuses'],
      ['an unknown channel type', { filter: { channelTypes: ['pigeon'] } }, 'filter.channelTypes'],
      ['an empty event type', { filter: { eventTypes: [''] } }, 'filter.eventTypes'],
      ['a malformed interface id', { filter: { interfaceId: 'abc' } }, 'filter.interfaceId'],
      ['an unreadable createdAfter', { filter: { createdAfter: 'yesterday' } }, 'filter.createdAfter'],
      ['an empty time range', { filter: { createdAfter: '2026-01-02T00:00:00Z', createdBefore: '2026-01-01T00:00:00Z' } }, 'filter.createdBefore'],
      ['a cursor that is not one', { after: 'not-a-cursor' }, 'after'],
      ['a cursor with a tampered id', { after: Buffer.from('1796171758853300|not-a-uuid').toString('base64url') }, 'after'],
      ['first = 0', { first: 0 }, 'first'],
      ['first = 201', { first: 201 }, 'first'],
    ])('%s', async (_name, variables, field) => {
      expect(errorOf(await gql(LIST, variables))).toMatchObject({ code: 'BAD_USER_INPUT', errorCode: 'common.validation_failed', fields: [field] });
    });

    it('first = 200 is allowed', async () => {
      expect((await list({}, 200)).records).toHaveLength(11);
    });
  });

  describe('retryNotification', () => {
    it('replays a dead record: with the target fixed it is sent, with the same webhook-id and a fresh attempt budget', async () => {
      const [dead] = await all({ statuses: ['dead'], eventId: 'dl-order-1' });
      target.on('POST', '/bad', { status: 200, body: { received: true } });
      const res = await gql(RETRY, { id: dead.id });
      expect(res.body.errors).toBeUndefined();
      const replayed = res.body.data.retryNotification as Rec;
      expect(replayed.id).toBe(dead.id);
      expect(['queued', 'sending', 'sent']).toContain(replayed.status);
      expect(replayed.maxAttempts).toBe(1 + ATTEMPTS_PER_RECORD);
      const done = await waitFor(async () => {
        const r = await get(dead.id);
        return r.status === 'sent' && r;
      }, 10_000);
      expect(done).toMatchObject({ attemptCount: 2, lastErrorCode: null });
      expect(done.attempts.map((a: any) => [a.attemptNo, a.outcome])).toEqual([
        [1, 'permanent_fail'],
        [2, 'success'],
      ]);
      const deliveries = target.requests.filter((r) => r.path === '/bad' && r.headers['webhook-id'] === dead.id);
      expect(deliveries).toHaveLength(2);
      expect(deliveries[1].json).toEqual(deliveries[0].json);
    });

    it('a sent record is FAILED_PRECONDITION / notif.record_not_replayable, and is left alone', async () => {
      const [sent] = await all({ statuses: ['sent'], interfaceId: ids.ok, eventId: 'dl-order-2' });
      const deliveries = () => target.requests.filter((r) => r.headers['webhook-id'] === sent.id).length;
      expect(deliveries()).toBe(1);
      const error = errorOf(await gql(RETRY, { id: sent.id }));
      expect(error).toMatchObject({ code: 'FAILED_PRECONDITION', errorCode: 'notif.record_not_replayable' });
      expect(error.message).toMatch(/is sent/);
      expect((await get(sent.id)).attemptCount).toBe(1);
      await new Promise((r) => setTimeout(r, 300));
      expect(deliveries()).toBe(1);
    });

    it('an unknown id is NOT_FOUND / notif.record_not_found', async () => {
      expect(errorOf(await gql(RETRY, { id: NONE }))).toMatchObject({ code: 'NOT_FOUND', errorCode: 'notif.record_not_found' });
    });
  });

  describe('retryNotifications', () => {
    it('refuses statuses other than failed and dead, naming filter.statuses', async () => {
      expect(errorOf(await gql(RETRY_MANY, { filter: { statuses: ['sent'] } }))).toMatchObject({ code: 'BAD_USER_INPUT', fields: ['filter.statuses'] });
      expect(errorOf(await gql(RETRY_MANY, { filter: { statuses: ['nope'] } }))).toMatchObject({ code: 'BAD_USER_INPUT', fields: ['filter.statuses'] });
    });

    it('replays the failed and dead records a filter matches, and only those', async () => {
      target.on('POST', '/down', { status: 200, body: { received: true } });
      const failed = await all({ statuses: ['failed'], interfaceId: ids.down });
      expect(failed).toHaveLength(3);
      // Narrowed to phase 1: the phase-2 failed record stays failed.
      const res = await gql(RETRY_MANY, { filter: { interfaceId: ids.down, createdBefore: between } });
      expect(res.body.errors).toBeUndefined();
      const { count, ids: replayed } = res.body.data.retryNotifications;
      const expected = failed.filter((r) => phase1.includes(r.eventId)).map((r) => r.id);
      expect(count).toBe(2);
      expect([...replayed].sort()).toEqual([...expected].sort());
      await waitFor(async () => (await all({ interfaceId: ids.down, statuses: ['sent'] })).length === 2, 10_000);
      expect((await all({ interfaceId: ids.down, statuses: ['failed'] })).map((r) => r.eventId)).toEqual(phase2);
      for (const id of expected) expect((await get(id)).attempts.map((a: any) => a.outcome)).toEqual(['temporary_fail', 'success']);
    });

    it('with nothing to replay it answers count 0', async () => {
      expect((await gql(RETRY_MANY, { filter: { interfaceId: ids.ok } })).body.data.retryNotifications).toEqual({ count: 0, ids: [] });
    });

    it('the remaining dead ones, by status alone', async () => {
      const dead = await all({ statuses: ['dead'] });
      expect(dead).toHaveLength(2);
      const res = await gql(RETRY_MANY, { filter: { statuses: ['dead'] } });
      expect(res.body.data.retryNotifications.count).toBe(2);
      await waitFor(async () => (await all({ statuses: ['dead'] })).length === 0 && (await all({ statuses: ['sent'] })).length === 10, 10_000);
    });
  });

  describe('paging across records created within one millisecond', () => {
    it('the cursor keeps created_at to the microsecond, so none falls between two pages', async () => {
      // Put every record in the same millisecond, a microsecond apart, the way two relay
      // batches committing close together can: a millisecond cursor would skip the rest.
      await app.running.app.get(DataSource).query(
        `UPDATE notification_records r SET created_at = timestamptz '2026-03-04T05:06:07.123Z' + (o.n * interval '1 microsecond')
           FROM (SELECT id, row_number() OVER (ORDER BY id) AS n FROM notification_records) o WHERE o.id = r.id`,
      );
      const everything = (await list({}, 200)).records;
      expect(new Set(everything.map((r) => r.createdAt))).toEqual(new Set(['2026-03-04T05:06:07.123Z']));
      const paged = await all({}, 2);
      expect(paged.map((r) => r.id)).toEqual(everything.map((r) => r.id));
      expect(paged).toHaveLength(11);
    });
  });

  describe('secrets', () => {
    it('no GraphQL answer in this spec carried the webhook secret or the Feishu bot token', () => {
      // Run last: by now the answers include records, attempts with their payloads, and retries.
      expect(answers.some((text) => text.includes('requestPayload') && text.includes('responsePayload'))).toBe(true);
      expect(answers.some((text) => text.includes('retryNotifications'))).toBe(true);
      for (const text of answers) {
        expect(text).not.toContain(SECRET_KEY);
        expect(text).not.toContain(FEISHU_TOKEN);
      }
    });
  });
});
