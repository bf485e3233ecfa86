import * as grpc from '@grpc/grpc-js';
import { service as healthService } from 'grpc-health-check';
import pg from 'pg';
import { describeGraphqlAuthMatrix } from '../support/auth-matrix.js';
import { errorCodeOf, errorDetailsOf, GrpcTestClient } from '../support/grpc-client.js';
import { graphql, http, type HttpResult } from '../support/http-client.js';
import { describeOnServer } from '../support/test-database.js';
import { startTestApp, type TestApp } from '../support/test-app.js';

/**
 * Event ingress for other services over all three transports, on the real app: gRPC
 * switchboard.events.v1.EventService from proto/, GraphQL publishEvent and REST POST /events with
 * seed 002's envelope. What was written is read back from outbox_events with a client of its own.
 * The app runs in the api role: no relay, so rows stay as EventBus wrote them.
 */

/** Seed 002's example event, byte for byte as the seed prints it. */
const SEED_002_EXAMPLE = `{
"event_type": "user.created",
"data": {
"user_id": "u123",
"email": "student@vas.edu.vn",
"full_name": "Nguyễn Văn A"
},
"metadata": {
"event_id": "evt-xyz123",
"timestamp": "2025-06-05T09:00:00Z",
"source_service": "user-service.master"
}
}`;

const ORDER_PAID = { order_id: 'o-1', customer_email: 'buyer@example.com', amount: '19.90', currency: 'USD', customer_name: 'Ann' };
const { amount: _amount, ...ORDER_PAID_WITHOUT_AMOUNT } = ORDER_PAID;
const UUID_V7 = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
const MB = 1024 * 1024;

let serial = 0;
const nextId = (prefix = 'evt') => `${prefix}-${++serial}`;

/** A valid PublishEventRequest (order_paid), with fields replaced by `over`. */
function request(over: Record<string, string> = {}) {
  return {
    event_id: nextId(),
    event_type: 'order_paid',
    event_version: '1',
    source: 'order-service',
    occurred_at: '2026-12-01T10:00:00Z',
    data_json: JSON.stringify(ORDER_PAID),
    ...over,
  };
}

await describeOnServer('event ingress', () => {
  let app: TestApp;
  let client: GrpcTestClient;
  let db: pg.Client;
  /** A service's token: a user holding only events.publish. */
  let publisher: string;

  beforeAll(async () => {
    app = await startTestApp({ SWITCHBOARD_ROLE: 'api' });
    client = new GrpcTestClient(app.grpcAddress);
    db = new pg.Client({ connectionString: app.databaseUrl });
    await db.connect();
    publisher = await app.tokens.withPermissions('events.publish');
  });
  afterAll(async () => {
    await db?.end();
    client?.close();
    await app?.close();
  });

  const outboxCount = async (): Promise<number> => (await db.query<{ n: number }>('SELECT count(*)::int AS n FROM outbox_events')).rows[0].n;
  const outboxRows = async (eventIds: string[]) =>
    (
      await db.query(
        'SELECT event_id, event_type, event_version, source, occurred_at, data, status FROM outbox_events WHERE event_id = ANY($1) ORDER BY created_at, event_id',
        [eventIds],
      )
    ).rows;
  /** Runs the call and asserts that outbox_events has exactly as many rows afterwards. */
  async function nothingWritten<T>(call: () => Promise<T>): Promise<T> {
    const before = await outboxCount();
    const result = await call();
    expect(await outboxCount()).toBe(before);
    return result;
  }

  describe('gRPC EventService', () => {
    it('PublishEvent writes one outbox row with the envelope as sent', async () => {
      const sent = request({ event_id: 'order-o-1.paid' });
      const { response, error } = await client.call('EventService', 'PublishEvent', sent, publisher);
      expect(error).toBeUndefined();
      expect(response).toEqual({ event_id: 'order-o-1.paid', duplicate: false });
      expect(await outboxRows(['order-o-1.paid'])).toEqual([
        {
          event_id: 'order-o-1.paid',
          event_type: 'order_paid',
          event_version: '1',
          source: 'order-service',
          occurred_at: new Date('2026-12-01T10:00:00Z'),
          data: ORDER_PAID,
          status: 'pending',
        },
      ]);
    });

    it('empty fields get the documented defaults: a UUID v7 event_id, version "1", occurred_at now, no source', async () => {
      const before = Date.now();
      const { response, error } = await client.call(
        'EventService',
        'PublishEvent',
        { event_type: 'user.created', data_json: JSON.stringify({ user_id: 'u1', email: 'u1@example.com', full_name: 'U One' }) },
        publisher,
      );
      expect(error).toBeUndefined();
      expect(response).toEqual({ event_id: expect.stringMatching(UUID_V7), duplicate: false });
      const [row] = await outboxRows([response!.event_id as string]);
      expect(row).toMatchObject({ event_type: 'user.created', event_version: '1', source: null });
      expect((row.occurred_at as Date).getTime()).toBeGreaterThanOrEqual(before - 1000);
      expect((row.occurred_at as Date).getTime()).toBeLessThanOrEqual(Date.now() + 1000);
    });

    it('accepts any printable event_id up to 200 characters, and an admin token', async () => {
      const id = `evt-${'x'.repeat(196)}`;
      const { response } = await client.call('EventService', 'PublishEvent', request({ event_id: id }), app.tokens.admin);
      expect(response).toEqual({ event_id: id, duplicate: false });
      expect(await outboxRows([id])).toHaveLength(1);
    });

    it('the same event_id again answers duplicate=true and writes nothing: one row, the first payload', async () => {
      const first = request();
      expect((await client.call('EventService', 'PublishEvent', first, publisher)).response).toEqual({ event_id: first.event_id, duplicate: false });
      const again = { ...first, data_json: JSON.stringify({ ...ORDER_PAID, amount: '99.00' }) };
      const { response } = await nothingWritten(() => client.call('EventService', 'PublishEvent', again, publisher));
      expect(response).toEqual({ event_id: first.event_id, duplicate: true });
      const rows = await outboxRows([first.event_id]);
      expect(rows).toHaveLength(1);
      expect(rows[0].data).toEqual(ORDER_PAID);
    });

    it('PublishEvents writes a batch, answering in order; an id repeated inside the batch is written once', async () => {
      const [a, b] = [request(), request()];
      const { response, error } = await client.call('EventService', 'PublishEvents', { events: [a, b, { ...a }] }, publisher);
      expect(error).toBeUndefined();
      expect(response).toEqual({
        results: [
          { event_id: a.event_id, duplicate: false },
          { event_id: b.event_id, duplicate: false },
          { event_id: a.event_id, duplicate: true },
        ],
      });
      expect((await outboxRows([a.event_id, b.event_id])).map((r) => r.event_id)).toEqual([a.event_id, b.event_id].sort());
    });

    it('PublishEvents is all or none: one event without amount among 3 writes nothing and names events[1]', async () => {
      const batch = [request(), request({ data_json: JSON.stringify(ORDER_PAID_WITHOUT_AMOUNT) }), request()];
      const { error } = await nothingWritten(() => client.call('EventService', 'PublishEvents', { events: batch }, publisher));
      expect(error?.code).toBe(grpc.status.INVALID_ARGUMENT);
      expect(errorCodeOf(error)).toBe('events.invalid_payload');
      expect(error?.details).toBe('events.invalid_payload: events[1].data.amount: is required');
      expect(errorDetailsOf(error)).toEqual({ violations: [{ field: 'events[1].data.amount', message: 'is required' }] });
      expect(await outboxRows(batch.map((e) => e.event_id))).toEqual([]);
    });

    it('PublishEvents names the event of an unknown type too (events[2].event_type), writing nothing', async () => {
      const batch = [request(), request(), request({ event_type: 'order_exploded' })];
      const { error } = await nothingWritten(() => client.call('EventService', 'PublishEvents', { events: batch }, publisher));
      expect(errorCodeOf(error)).toBe('events.unknown_type');
      expect(errorDetailsOf(error)).toMatchObject({ field: 'events[2].event_type' });
      expect(await outboxRows(batch.map((e) => e.event_id))).toEqual([]);
    });

    it('PublishEvents takes 1,000 events in one call', async () => {
      const batch = Array.from({ length: 1000 }, () => request({ event_id: nextId('bulk') }));
      const { response, error } = await client.call('EventService', 'PublishEvents', { events: batch }, publisher);
      expect(error).toBeUndefined();
      expect((response!.results as unknown[]).length).toBe(1000);
      expect(await outboxRows(batch.map((e) => e.event_id))).toHaveLength(1000);
    });

    it('PublishEvents refuses more than 1,000 events, writing none of them', async () => {
      const batch = Array.from({ length: 1001 }, () => request({ event_id: nextId('toomany') }));
      const { error } = await nothingWritten(() => client.call('EventService', 'PublishEvents', { events: batch }, publisher));
      expect(error?.code).toBe(grpc.status.INVALID_ARGUMENT);
      expect(errorCodeOf(error)).toBe('common.validation_failed');
      expect(errorDetailsOf(error)).toEqual({ violations: [{ field: 'events', message: 'must contain at most 1000 events, got 1001' }] });
    });

    it('PublishEvents refuses an empty batch', async () => {
      const { error } = await client.call('EventService', 'PublishEvents', { events: [] }, publisher);
      expect(errorCodeOf(error)).toBe('common.validation_failed');
      expect(errorDetailsOf(error)).toEqual({ violations: [{ field: 'events', message: 'must contain at least one event' }] });
    });

    const huge = JSON.stringify({ ...ORDER_PAID, note: 'x'.repeat(MB) });
    it.each<[string, Record<string, string>, grpc.status, string, unknown]>([
      ['an unknown type', { event_type: 'order_exploded' }, grpc.status.INVALID_ARGUMENT, 'events.unknown_type', { field: 'event_type', known: expect.arrayContaining(['order_paid', 'user.created']) }],
      ['an unknown version', { event_version: '2' }, grpc.status.INVALID_ARGUMENT, 'events.unknown_version', { field: 'event_version', known: ['1'] }],
      ['order_paid without amount', { data_json: JSON.stringify(ORDER_PAID_WITHOUT_AMOUNT) }, grpc.status.INVALID_ARGUMENT, 'events.invalid_payload', { violations: [{ field: 'data.amount', message: 'is required' }] }],
      ['amount as a number', { data_json: JSON.stringify({ ...ORDER_PAID, amount: 19.9 }) }, grpc.status.INVALID_ARGUMENT, 'events.invalid_payload', { violations: [{ field: 'data.amount', message: 'must be string' }] }],
      ['customer_email not an email', { data_json: JSON.stringify({ ...ORDER_PAID, customer_email: 'nobody' }) }, grpc.status.INVALID_ARGUMENT, 'events.invalid_payload', { violations: [{ field: 'data.customer_email', message: 'must match format "email"' }] }],
      ['data_json that is not JSON', { data_json: '{"order_id": ' }, grpc.status.INVALID_ARGUMENT, 'events.invalid_payload', { violations: [{ field: 'data', message: 'is not valid JSON' }] }],
      ['data_json that is a JSON string', { data_json: '"order o-1 paid"' }, grpc.status.INVALID_ARGUMENT, 'events.invalid_payload', { violations: [{ field: 'data', message: 'must be a JSON object' }] }],
      ['data_json that is an array', { data_json: JSON.stringify([ORDER_PAID]) }, grpc.status.INVALID_ARGUMENT, 'events.invalid_payload', { violations: [{ field: 'data', message: 'must be a JSON object' }] }],
      ['data_json that is null', { data_json: 'null' }, grpc.status.INVALID_ARGUMENT, 'events.invalid_payload', { violations: [{ field: 'data', message: 'is required' }] }],
      ['no data_json', { data_json: '' }, grpc.status.INVALID_ARGUMENT, 'events.invalid_payload', { violations: [{ field: 'data', message: 'is required' }] }],
      ['a 1 MB payload', { data_json: huge }, grpc.status.RESOURCE_EXHAUSTED, 'events.payload_too_large', { field: 'data', bytes: Buffer.byteLength(huge), max: 256 * 1024 }],
      ['an event_id of 201 characters', { event_id: 'e'.repeat(201) }, grpc.status.INVALID_ARGUMENT, 'common.validation_failed', { violations: [{ field: 'event_id', message: expect.stringMatching(/200 printable characters/) }] }],
      ['an event_id with spaces', { event_id: 'evt 42' }, grpc.status.INVALID_ARGUMENT, 'common.validation_failed', { violations: [{ field: 'event_id', message: expect.stringMatching(/without spaces/) }] }],
      ['an occurred_at that is a date only', { occurred_at: '2026-12-01' }, grpc.status.INVALID_ARGUMENT, 'common.validation_failed', { violations: [{ field: 'occurred_at', message: expect.stringMatching(/RFC 3339/) }] }],
      ['an occurred_at without a time zone', { occurred_at: '2026-12-01T10:00:00' }, grpc.status.INVALID_ARGUMENT, 'common.validation_failed', { violations: [{ field: 'occurred_at', message: expect.stringMatching(/RFC 3339/) }] }],
      ['an occurred_at in words', { occurred_at: 'yesterday' }, grpc.status.INVALID_ARGUMENT, 'common.validation_failed', { violations: [{ field: 'occurred_at', message: expect.stringMatching(/RFC 3339/) }] }],
      ['no event_type', { event_type: '' }, grpc.status.INVALID_ARGUMENT, 'common.validation_failed', { violations: [{ field: 'event_type', message: 'is required' }] }],
    ])('PublishEvent refuses %s before writing anything', async (_what, over, status, code, details) => {
      const sent = request(over);
      const { response, error } = await nothingWritten(() => client.call('EventService', 'PublishEvent', sent, publisher));
      expect(response).toBeUndefined();
      expect(error?.code).toBe(status);
      expect(errorCodeOf(error)).toBe(code);
      expect(error?.details.startsWith(`${code}: `)).toBe(true);
      expect(errorDetailsOf(error)).toEqual(details);
      expect(await outboxRows([sent.event_id])).toEqual([]);
    });

    it('a plain user token is refused with PERMISSION_DENIED naming events.publish, writing nothing', async () => {
      const { error } = await nothingWritten(() => client.call('EventService', 'PublishEvent', request(), app.tokens.user));
      expect(error?.code).toBe(grpc.status.PERMISSION_DENIED);
      expect(errorCodeOf(error)).toBe('auth.permission_denied');
      expect(errorDetailsOf(error)).toEqual({ permission: 'events.publish' });
    });
  });

  describe('REST POST /events', () => {
    const post = (body: unknown, token: string | null = publisher) => http(app.httpUrl, 'POST', '/events', { token, body });
    const postRaw = (rawBody: string, headers: Record<string, string> = {}) => http(app.httpUrl, 'POST', '/events', { token: publisher, rawBody, headers });
    const envelope = (over: { event_type?: unknown; data?: unknown; metadata?: unknown; event_version?: unknown } = {}) => ({
      event_type: 'order_paid',
      data: ORDER_PAID,
      metadata: { event_id: nextId('rest'), timestamp: '2026-12-01T10:00:00Z', source_service: 'order-service' },
      ...over,
    });
    /** The seed-002 error envelope, exactly these keys; the caller checks `details`. */
    function expectErrorEnvelope(res: HttpResult, status: number, code: string): void {
      expect(res.status).toBe(status);
      expect(Object.keys(res.body.error ?? {}).sort()).toEqual(['code', 'details', 'message']);
      expect(res.body).toEqual({
        error: { code, message: expect.any(String), details: res.body.error.details },
        meta: { trace_id: res.headers.get('x-trace-id'), timestamp: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/) },
      });
    }

    it("takes seed 002's example envelope verbatim: 202, the seed-002 success envelope, one outbox row", async () => {
      const res = await postRaw(SEED_002_EXAMPLE);
      expect(res.status).toBe(202);
      expect(res.body).toEqual({
        data: { event_id: 'evt-xyz123', duplicate: false, status: 'accepted' },
        meta: { request_id: res.headers.get('x-trace-id'), timestamp: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/) },
      });
      expect(await outboxRows(['evt-xyz123'])).toEqual([
        {
          event_id: 'evt-xyz123',
          event_type: 'user.created',
          event_version: '1',
          source: 'user-service.master',
          occurred_at: new Date('2025-06-05T09:00:00Z'),
          data: { user_id: 'u123', email: 'student@vas.edu.vn', full_name: 'Nguyễn Văn A' },
          status: 'pending',
        },
      ]);
    });

    it('the same envelope again: 202 with duplicate=true, still one row', async () => {
      const res = await nothingWritten(() => postRaw(SEED_002_EXAMPLE, { 'x-request-id': 'req-003-caller' }));
      expect(res.status).toBe(202);
      expect(res.body).toEqual({ data: { event_id: 'evt-xyz123', duplicate: true, status: 'accepted' }, meta: { request_id: 'req-003-caller', timestamp: expect.any(String) } });
      expect(await outboxRows(['evt-xyz123'])).toHaveLength(1);
    });

    it('without metadata the server assigns the event_id and occurred_at; event_version beside event_type is honoured', async () => {
      const res = await post({ event_type: 'order_paid', event_version: '1', data: ORDER_PAID });
      expect(res.status).toBe(202);
      expect(res.body.data).toEqual({ event_id: expect.stringMatching(UUID_V7), duplicate: false, status: 'accepted' });
      expect(await outboxRows([res.body.data.event_id])).toEqual([expect.objectContaining({ event_type: 'order_paid', event_version: '1', source: null })]);
    });

    it('an admin token is accepted too', async () => {
      const res = await post(envelope(), app.tokens.admin);
      expect(res.status).toBe(202);
    });

    it.each<[string, string | null, number, string]>([
      ['no token', null, 401, 'auth.missing_token'],
      ['a plain user token', 'user', 403, 'auth.permission_denied'],
      ['a token with another permission', 'notif.send_manual', 403, 'auth.permission_denied'],
    ])('refuses %s in the error envelope, writing nothing', async (_who, who, status, code) => {
      const token = who === null ? null : who === 'user' ? app.tokens.user : await app.tokens.withPermissions(who);
      const res = await nothingWritten(() => post(envelope(), token));
      expectErrorEnvelope(res, status, code);
      expect(res.body.error.details).toEqual(status === 403 ? { permission: 'events.publish' } : null);
    });

    it.each<[string, () => Promise<HttpResult>, number, string, unknown]>([
      ['an unknown type', () => post(envelope({ event_type: 'order_exploded' })), 422, 'events.unknown_type', expect.objectContaining({ field: 'event_type' })],
      ['an unknown version', () => post(envelope({ event_version: '7' })), 422, 'events.unknown_version', { field: 'event_version', known: ['1'] }],
      ['order_paid without amount', () => post(envelope({ data: ORDER_PAID_WITHOUT_AMOUNT })), 422, 'events.invalid_payload', { violations: [{ field: 'data.amount', message: 'is required' }] }],
      ['amount as a number', () => post(envelope({ data: { ...ORDER_PAID, amount: 19.9 } })), 422, 'events.invalid_payload', { violations: [{ field: 'data.amount', message: 'must be string' }] }],
      ['data that is a string', () => post(envelope({ data: 'order o-1 paid' })), 422, 'events.invalid_payload', { violations: [{ field: 'data', message: 'must be a JSON object' }] }],
      ['data that is an array', () => post(envelope({ data: [ORDER_PAID] })), 422, 'events.invalid_payload', { violations: [{ field: 'data', message: 'must be a JSON object' }] }],
      ['no data', () => post(envelope({ data: undefined })), 422, 'events.invalid_payload', { violations: [{ field: 'data', message: 'is required' }] }],
      ['an event_id of 201 characters', () => post(envelope({ metadata: { event_id: 'e'.repeat(201) } })), 422, 'common.validation_failed', { violations: [{ field: 'event_id', message: expect.any(String) }] }],
      ['an event_id with spaces', () => post(envelope({ metadata: { event_id: 'evt 42' } })), 422, 'common.validation_failed', { violations: [{ field: 'event_id', message: expect.any(String) }] }],
      ['a timestamp that is not RFC 3339', () => post(envelope({ metadata: { timestamp: '05/06/2025 09:00' } })), 422, 'common.validation_failed', { violations: [{ field: 'metadata.timestamp', message: 'must match format "date-time"' }] }],
      ['an event_type that is not a string', () => post(envelope({ event_type: 42 })), 422, 'common.validation_failed', { violations: [{ field: 'event_type', message: 'must be string' }] }],
      ['metadata that is not an object', () => post(envelope({ metadata: 'evt-1' })), 422, 'common.validation_failed', { violations: [{ field: 'metadata', message: 'must be object' }] }],
      ['a metadata.event_id that is not a string', () => post(envelope({ metadata: { event_id: 42 } })), 422, 'common.validation_failed', { violations: [{ field: 'metadata.event_id', message: 'must be string' }] }],
      ['a body that is an array', () => post([envelope()]), 422, 'common.validation_failed', { violations: [{ field: 'body', message: 'must be object' }] }],
      ['a body that is not JSON', () => postRaw('{"event_type": "order_paid", '), 400, 'common.malformed_request', null],
      ['a body that is a bare JSON string', () => postRaw('"order_paid"'), 400, 'common.malformed_request', null],
      ['a body that is not sent as JSON', () => postRaw('event_type=order_paid', { 'content-type': 'text/plain' }), 415, 'common.unsupported_media_type', { content_type: 'text/plain' }],
      ['an empty body', () => postRaw(''), 400, 'common.malformed_request', null],
      ['a 300 KB payload (above EVENT_MAX_BYTES)', () => post(envelope({ data: { ...ORDER_PAID, note: 'x'.repeat(300 * 1024) } })), 413, 'events.payload_too_large', expect.objectContaining({ field: 'data', max: 256 * 1024 })],
      ['a 1 MB body (above HTTP_MAX_BODY_BYTES)', () => post(envelope({ data: { ...ORDER_PAID, note: 'x'.repeat(MB) } })), 413, 'common.payload_too_large', null],
    ])('refuses %s in the seed-002 error envelope, writing nothing', async (_what, call, status, code, details) => {
      const res = await nothingWritten(call);
      expectErrorEnvelope(res, status, code);
      expect(res.body.error.details).toEqual(details);
    });
  });

  describe('GraphQL publishEvent', () => {
    const PUBLISH = 'mutation($input: PublishEventInput!) { publishEvent(input: $input) { eventId duplicate } }';
    const input = (over: Record<string, unknown> = {}) => ({ eventId: nextId('gql'), eventType: 'order_paid', source: 'order-service', occurredAt: '2026-12-01T10:00:00Z', data: ORDER_PAID, ...over });

    it('publishes an event, and answers duplicate=true for its id again (one row)', async () => {
      const sent = input();
      const first = await graphql(app.httpUrl, PUBLISH, { input: sent }, publisher);
      expect(first.body).toEqual({ data: { publishEvent: { eventId: sent.eventId, duplicate: false } } });
      const again = await nothingWritten(() => graphql(app.httpUrl, PUBLISH, { input: sent }, publisher));
      expect(again.body).toEqual({ data: { publishEvent: { eventId: sent.eventId, duplicate: true } } });
      expect(await outboxRows([sent.eventId])).toEqual([
        expect.objectContaining({ event_type: 'order_paid', event_version: '1', source: 'order-service', occurred_at: new Date('2026-12-01T10:00:00Z'), data: ORDER_PAID }),
      ]);
    });

    it('takes data as an object literal in the query too', async () => {
      const res = await graphql(
        app.httpUrl,
        'mutation { publishEvent(input: { eventId: "gql-literal", eventType: "ticket_replied", data: { ticket_id: "t-9", subject: "Disk full", creator_email: "c@example.com", reply_excerpt: "On it" } }) { eventId duplicate } }',
        {},
        publisher,
      );
      expect(res.body).toEqual({ data: { publishEvent: { eventId: 'gql-literal', duplicate: false } } });
      expect((await outboxRows(['gql-literal']))[0].data).toEqual({ ticket_id: 't-9', subject: 'Disk full', creator_email: 'c@example.com', reply_excerpt: 'On it' });
    });

    it.each<[string, Record<string, unknown>, string, unknown]>([
      ['an unknown type', { eventType: 'order_exploded' }, 'events.unknown_type', expect.objectContaining({ field: 'event_type' })],
      ['order_paid without amount', { data: ORDER_PAID_WITHOUT_AMOUNT }, 'events.invalid_payload', { violations: [{ field: 'data.amount', message: 'is required' }] }],
      ['amount as a number', { data: { ...ORDER_PAID, amount: 19.9 } }, 'events.invalid_payload', { violations: [{ field: 'data.amount', message: 'must be string' }] }],
      ['data that is not an object', { data: 'order o-1 paid' }, 'events.invalid_payload', { violations: [{ field: 'data', message: 'must be a JSON object' }] }],
      ['an occurredAt that is not RFC 3339', { occurredAt: 'tomorrow' }, 'common.validation_failed', { violations: [{ field: 'occurred_at', message: expect.stringMatching(/RFC 3339/) }] }],
    ])('refuses %s with BAD_USER_INPUT and the namespaced code, writing nothing', async (_what, over, code, details) => {
      const res = await nothingWritten(() => graphql(app.httpUrl, PUBLISH, { input: input(over) }, publisher));
      expect(res.body.data).toBeNull();
      expect(res.body.errors).toHaveLength(1);
      expect(res.body.errors![0].extensions).toEqual({ code: 'BAD_USER_INPUT', errorCode: code, details, traceId: res.headers.get('x-trace-id') });
    });

    it('stores deliverAt as the schedule of the event', async () => {
      const deliverAt = new Date(Date.now() + 3_600_000).toISOString();
      const sent = input({ deliverAt });
      expect((await graphql(app.httpUrl, PUBLISH, { input: sent }, publisher)).body.errors).toBeUndefined();
      const { rows } = await db.query<{ deliver_at: Date | null }>('SELECT deliver_at FROM outbox_events WHERE event_id = $1', [sent.eventId]);
      expect(rows.map((r) => r.deliver_at?.toISOString())).toEqual([deliverAt]);
    });

    describe('publishEvents (the batch, as gRPC PublishEvents)', () => {
      const PUBLISH_MANY = 'mutation($events: [PublishEventInput!]!) { publishEvents(events: $events) { eventId duplicate } }';

      it('stores a valid batch whole, answering in order; an id repeated inside the batch is stored once', async () => {
        const [a, b] = [input(), input({ eventType: 'user.created', data: { user_id: 'u-b', email: 'b@example.com', full_name: 'B' } })];
        const res = await graphql(app.httpUrl, PUBLISH_MANY, { events: [a, b, { ...a }] }, publisher);
        expect(res.body).toEqual({
          data: {
            publishEvents: [
              { eventId: a.eventId, duplicate: false },
              { eventId: b.eventId, duplicate: false },
              { eventId: a.eventId, duplicate: true },
            ],
          },
        });
        const stored = new Map((await outboxRows([a.eventId, b.eventId])).map((r) => [r.event_id, r]));
        expect(stored.size).toBe(2);
        expect(stored.get(a.eventId)).toMatchObject({ event_type: 'order_paid', source: 'order-service', occurred_at: new Date('2026-12-01T10:00:00Z'), data: ORDER_PAID });
        expect(stored.get(b.eventId)).toMatchObject({ event_type: 'user.created', data: { user_id: 'u-b', email: 'b@example.com', full_name: 'B' } });
      });

      it('is all or none: one event without amount among 3 stores none and names events[1], as gRPC does', async () => {
        const batch = [input(), input({ data: ORDER_PAID_WITHOUT_AMOUNT }), input()];
        const res = await nothingWritten(() => graphql(app.httpUrl, PUBLISH_MANY, { events: batch }, publisher));
        expect(res.body.data).toBeNull();
        expect(res.body.errors).toEqual([
          {
            message: 'events[1].data.amount: is required',
            locations: expect.any(Array),
            path: ['publishEvents'],
            extensions: {
              code: 'BAD_USER_INPUT',
              errorCode: 'events.invalid_payload',
              details: { violations: [{ field: 'events[1].data.amount', message: 'is required' }] },
              traceId: res.headers.get('x-trace-id'),
            },
          },
        ]);
        expect(await outboxRows(batch.map((e) => e.eventId))).toEqual([]);
      });

      it('names the event of an unknown type too (events[2].event_type), storing none', async () => {
        const batch = [input(), input(), input({ eventType: 'order_exploded' })];
        const res = await nothingWritten(() => graphql(app.httpUrl, PUBLISH_MANY, { events: batch }, publisher));
        expect(res.body.errors?.[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', errorCode: 'events.unknown_type', details: { field: 'events[2].event_type' } });
        expect(await outboxRows(batch.map((e) => e.eventId))).toEqual([]);
      });

      it('dedups by eventId against events already stored: duplicate=true, the first payload kept', async () => {
        const first = input();
        expect((await graphql(app.httpUrl, PUBLISH, { input: first }, publisher)).body.errors).toBeUndefined();
        const fresh = input();
        const res = await graphql(app.httpUrl, PUBLISH_MANY, { events: [{ ...first, data: { ...ORDER_PAID, amount: '99.00' } }, fresh] }, publisher);
        expect(res.body.data?.publishEvents).toEqual([
          { eventId: first.eventId, duplicate: true },
          { eventId: fresh.eventId, duplicate: false },
        ]);
        const rows = await outboxRows([first.eventId]);
        expect(rows.map((r) => r.data)).toEqual([ORDER_PAID]);
      });

      it.each<[string, () => unknown[], string]>([
        ['an empty batch', () => [], 'must contain at least one event'],
        ['more than 1,000 events', () => Array.from({ length: 1001 }, () => input({ eventId: nextId('gql-toomany') })), 'must contain at most 1000 events, got 1001'],
      ])('refuses %s with the limits of PublishEvents, storing none', async (_what, events, message) => {
        const res = await nothingWritten(() => graphql(app.httpUrl, PUBLISH_MANY, { events: events() }, publisher));
        expect(res.body.errors?.[0].extensions).toEqual({
          code: 'BAD_USER_INPUT',
          errorCode: 'common.validation_failed',
          details: { violations: [{ field: 'events', message }] },
          traceId: res.headers.get('x-trace-id'),
        });
      });

      it('takes 1,000 events in one call', async () => {
        const batch = Array.from({ length: 1000 }, () => input({ eventId: nextId('gql-bulk') }));
        const res = await graphql(app.httpUrl, PUBLISH_MANY, { events: batch }, publisher);
        expect(res.body.errors).toBeUndefined();
        expect(res.body.data?.publishEvents).toHaveLength(1000);
        expect(await outboxRows(batch.map((e) => e.eventId))).toHaveLength(1000);
      });
    });

    describe('auth matrix', () => {
      describeGraphqlAuthMatrix(
        [
          {
            name: 'publishEvent',
            access: { permission: 'events.publish' },
            query: PUBLISH,
            variables: { input: { eventType: 'user.created', data: { user_id: 'u-m', email: 'm@example.com', full_name: 'M' } } },
          },
          {
            name: 'publishEvents',
            access: { permission: 'events.publish' },
            query: 'mutation($events: [PublishEventInput!]!) { publishEvents(events: $events) { eventId duplicate } }',
            variables: { events: [{ eventType: 'user.created', data: { user_id: 'u-n', email: 'n@example.com', full_name: 'N' } }] },
          },
        ],
        () => ({ app }),
        (op, result) => {
          const published = { eventId: expect.stringMatching(UUID_V7), duplicate: false };
          expect(result.body.data?.[op.name]).toEqual(op.name === 'publishEvents' ? [published] : published);
        },
      );
    });
  });

  it('the server is healthy after all of the above: gRPC health SERVING, /ready, and a good event accepted', async () => {
    const Health = grpc.makeGenericClientConstructor(healthService, 'Health');
    const health = new Health(app.grpcAddress, grpc.credentials.createInsecure()) as unknown as {
      check(req: { service: string }, cb: (err: grpc.ServiceError | null, res: { status: string }) => void): void;
      close(): void;
    };
    const status = await new Promise<{ status: string }>((resolve, reject) =>
      health.check({ service: 'switchboard.events.v1.EventService' }, (err, res) => (err ? reject(err) : resolve(res))),
    );
    health.close();
    expect(status).toEqual({ status: 'SERVING' });
    expect((await http(app.httpUrl, 'GET', '/ready')).status).toBe(200);
    const sent = request();
    expect((await client.call('EventService', 'PublishEvent', sent, publisher)).response).toEqual({ event_id: sent.event_id, duplicate: false });
  });
});

await describeOnServer('event ingress in the worker role', () => {
  let worker: TestApp;
  beforeAll(async () => {
    worker = await startTestApp({ SWITCHBOARD_ROLE: 'worker' });
  });
  afterAll(async () => {
    await worker?.close();
  });

  it('is not served: POST /events is an unknown route on a worker (its HTTP port is for probes)', async () => {
    const res = await http(worker.httpUrl, 'POST', '/events', { token: worker.tokens.admin, body: JSON.parse(SEED_002_EXAMPLE) });
    expect(res.status).toBe(404);
    expect(res.body.error.code).toBe('common.not_found');
  });
});
