import pg from 'pg';
import { errorCodeOf, errorDetailsOf, GrpcTestClient } from './support/grpc-client.js';
import { graphql, http } from './support/http-client.js';
import { startTestApp, type TestApp } from './support/test-app.js';

/**
 * One string rule on every transport: U+0000 and unpaired surrogates refused wherever a string
 * enters (REST bodies, query and path parameters, GraphQL variables and literals, gRPC fields, JSON
 * carried as text), JSON nesting capped at 64, times held to their calendar and a year range —
 * each refusal a 422 / InvalidArgument `common.validation_failed` naming the field, and nothing
 * written. PostgreSQL refuses both characters in text and jsonb: before the rule they were 500s
 * (gRPC INTERNAL, which a publisher retries forever) after validation had passed.
 */
const ORDER_PAID = { order_id: 'o-1', customer_email: 'buyer@example.com', amount: '19.90', currency: 'USD' };
const nest = (levels: number): unknown => {
  let value: unknown = 1;
  for (let i = 0; i < levels; i++) value = { a: value };
  return value;
};

describe('the string rule on every transport', () => {
  let app: TestApp;
  let client: GrpcTestClient;
  let db: pg.Client;
  let serial = 0;
  const eventId = () => `evt-text-${++serial}`;
  const outboxRows = async () => Number((await db.query<{ n: string }>('SELECT count(*) AS n FROM outbox_events')).rows[0].n);
  const expect422 = (res: { status: number; body: any }, field: string) => {
    expect(res.status).toBe(422);
    expect(res.body.error.code).toBe('common.validation_failed');
    expect(res.body.error.details.violations).toEqual([expect.objectContaining({ field })]);
  };

  beforeAll(async () => {
    app = await startTestApp({ SWITCHBOARD_ROLE: 'api' });
    client = new GrpcTestClient(app.grpcAddress);
    db = new pg.Client({ connectionString: app.databaseUrl });
    await db.connect();
  });
  afterAll(async () => {
    client?.close();
    await db?.end();
    await app?.close();
  });

  const event = (over: Record<string, unknown> = {}, data: unknown = ORDER_PAID) => ({
    event_type: 'order_paid',
    data,
    metadata: { event_id: eventId(), timestamp: '2026-12-01T10:00:00Z', source_service: 'billing' },
    ...over,
  });
  const postEvent = (body: unknown) => http(app.httpUrl, 'POST', '/events', { token: app.tokens.admin, body });

  it('REST: NUL or a lone surrogate anywhere in a body (values and keys) → 422 naming it; nothing written', async () => {
    const before = await outboxRows();
    const nul = await postEvent(event({}, { ...ORDER_PAID, customer_name: 'Ann\u0000' }));
    expect422(nul, 'data.customer_name');
    // A lone surrogate cannot be sent as UTF-8: it arrives as a JSON escape, which JSON.parse keeps.
    const raw = JSON.stringify(event({}, ORDER_PAID)).replace('"o-1"', '"o-\\ud800"');
    expect422(await http(app.httpUrl, 'POST', '/events', { token: app.tokens.admin, rawBody: raw, headers: { 'content-type': 'application/json' } }), 'data.order_id');
    expect422(await postEvent(event({}, { ...ORDER_PAID, ['note\u0000']: 'x' })), 'data.note\\u0000');
    expect422(await postEvent({ ...event(), metadata: { event_id: 'evt-\u0000', source_service: 'billing' } }), 'metadata.event_id');
    expect(await outboxRows()).toBe(before);

    const template = { name: 'welcome\u0000', type: 'email', language: 'en', trigger_event: null, content: 'Hello' };
    expect422(await http(app.httpUrl, 'POST', '/templates', { token: app.tokens.admin, body: template }), 'name');
    expect422(await http(app.httpUrl, 'POST', '/templates', { token: app.tokens.admin, body: { ...template, name: 'welcome', content: 'Hi \udfff' } }), 'content');
    expect422(await http(app.httpUrl, 'PUT', '/me/notification-settings', { token: app.tokens.user, body: { channels: [{ channel: 'chat', enabled: true, target: 'https://example.com/\u0000' }] } }), 'channels[0].target');
  });

  it('REST: JSON nested 5,000 deep → 422 (64 is the cap), not 500', async () => {
    // Written as text: the test's own JSON.stringify would overflow on 5,000 levels as the server's did.
    const raw = JSON.stringify(event({}, { ...ORDER_PAID, extra: 'DEEP' })).replace('"DEEP"', '{"a":'.repeat(5_000) + '1' + '}'.repeat(5_000));
    const res = await http(app.httpUrl, 'POST', '/events', { token: app.tokens.admin, rawBody: raw, headers: { 'content-type': 'application/json' } });
    expect(res.status).toBe(422);
    expect(res.body.error.details.violations[0]).toEqual({ field: expect.stringMatching(/^data\.extra(\.a)+$/), message: 'nests deeper than 64 levels' });
    expect((await postEvent(event({}, { ...ORDER_PAID, extra: nest(60) }))).status).toBe(202);
  });

  it('REST: year 0000, 30 February and an unknown top-level field of the event envelope → 422', async () => {
    expect422(await postEvent({ ...event(), metadata: { event_id: eventId(), timestamp: '0000-01-01T00:00:00Z' } }), 'occurred_at');
    expect422(await postEvent({ ...event(), metadata: { event_id: eventId(), timestamp: '2026-02-30T10:00:00Z' } }), 'metadata.timestamp');
    expect422(await postEvent({ ...event(), meta_data: { deliver_at: '2027-01-01T00:00:00Z' } }), 'meta_data');
    // metadata itself stays open to a publisher's own fields.
    expect((await postEvent({ ...event(), metadata: { event_id: eventId(), correlation_id: 'c-1' } })).status).toBe(202);
  });

  it('GraphQL: in a variable and in a literal → common.validation_failed naming the argument; nothing written', async () => {
    const before = await outboxRows();
    const publish = 'mutation($input: PublishEventInput!) { publishEvent(input: $input) { eventId } }';
    const viaVariable = await graphql(app.httpUrl, publish, { input: { eventType: 'order_paid', eventId: eventId(), data: { ...ORDER_PAID, customer_name: 'x\ud800' } } }, app.tokens.admin);
    expect(viaVariable.body.errors?.[0]?.extensions).toMatchObject({ errorCode: 'common.validation_failed' });
    expect(viaVariable.body.errors![0].message).toContain('input.data.customer_name');
    const viaLiteral = await graphql(app.httpUrl, `mutation { publishEvent(input: { eventType: "order_paid", eventId: "evt-lit\\u0000", data: { order_id: "o" } }) { eventId } }`, {}, app.tokens.admin);
    expect(viaLiteral.body.errors?.[0]?.extensions).toMatchObject({ errorCode: 'common.validation_failed' });
    expect(viaLiteral.body.errors![0].message).toContain('input.eventId');
    expect(await outboxRows()).toBe(before);
  });

  it('gRPC: in a string field, in data_json and config_json → InvalidArgument; a batch names the event', async () => {
    const before = await outboxRows();
    const base = { event_type: 'order_paid', event_version: '1', source: 'billing', occurred_at: '2026-12-01T10:00:00Z', data_json: JSON.stringify(ORDER_PAID) };
    const field = await client.call('EventService', 'PublishEvent', { ...base, event_id: 'evt-\u0000' }, app.tokens.admin);
    expect(field.error?.code).toBe(3);
    expect(errorCodeOf(field.error)).toBe('common.validation_failed');
    expect(errorDetailsOf(field.error).violations[0].field).toBe('event_id');

    const dataJson = await client.call('EventService', 'PublishEvent', { ...base, event_id: eventId(), data_json: JSON.stringify({ ...ORDER_PAID, customer_name: 'a\u0000' }) }, app.tokens.admin);
    expect(dataJson.error?.code).toBe(3);
    expect(errorDetailsOf(dataJson.error).violations[0].field).toBe('data.customer_name');

    const batch = await client.call('EventService', 'PublishEvents', {
      events: [{ ...base, event_id: eventId() }, { ...base, event_id: eventId() }, { ...base, event_id: eventId(), data_json: JSON.stringify({ ...ORDER_PAID, amount: '\ud800' }) }],
    }, app.tokens.admin);
    expect(batch.error?.code).toBe(3);
    expect(errorDetailsOf(batch.error).violations[0].field).toBe('events[2].data.amount');
    expect(await outboxRows()).toBe(before);

    const year0 = await client.call('EventService', 'PublishEvent', { ...base, event_id: eventId(), occurred_at: '0000-01-01T00:00:00Z' }, app.tokens.admin);
    expect(year0.error?.code).toBe(3);

    const plugins = await client.call<{ plugins: { id: string; plugin_id: string }[] }>('IntegrationService', 'ListPlugins', {}, app.tokens.admin);
    const webhook = plugins.response!.plugins.find((p) => p.plugin_id === 'webhook')!.id;
    const created = await client.call('IntegrationService', 'CreatePluginInterface', { plugin_def_id: webhook, display_name: 'nul hook', config_json: '{"url":"https://example.com/\\u0000","secret":"whsec_x"}' }, app.tokens.admin);
    expect(created.error?.code).toBe(3);
    expect(errorDetailsOf(created.error).violations[0].field).toBe('config_json.url');
  });
});
