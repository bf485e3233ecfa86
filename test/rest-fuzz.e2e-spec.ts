import { graphql, http, type HttpResult } from './support/http-client.js';
import { LogCapture } from './support/log-capture.js';
import { OpenApiContract } from './support/openapi-contract.js';
import { startTestApp, type TestApp } from './support/test-app.js';

/**
 * A fuzz pass over every REST operation that reads a JSON body, a query string or a path
 * parameter (those of /openapi.json; the probes, /metrics and /openapi.json take none, and are
 * sent an undeclared one). Each body route starts from one valid example, checked to be accepted,
 * so each mutation is the only thing wrong: every string leaf in turn becomes NUL, a lone
 * surrogate, 30 February, year 0000 and "" (date-time leaves also leap seconds, 24:00, years
 * outside 1970-9999); every node a value of another type; every key gets a NUL and a lone
 * surrogate; one leaf per route JSON nested 5,000 deep (array and object) and a 100 KB string; the
 * whole body [], null, "x", {}, broken JSON, `__proto__` keys, other content types. GET /templates
 * gets odd, broken and huge query values; every path parameter odd ids; /send odd Idempotency-Keys.
 *
 * Whatever the input: never a 5xx (each is a crash past validation, as PostgreSQL's refusals of NUL
 * and of deep JSON used to be), every 4xx the error envelope with a namespaced `error.code`, every
 * answer one /openapi.json lists, and what docs/rest.md refuses (NUL, unpaired surrogates, nesting
 * past 64, impossible times, a body that is not a JSON object) not accepted. Problems are collected,
 * not thrown, and all printed at the end, a 5xx with the server's stack, so one run shows them all.
 */

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type Step = string | number;

interface BodyRoute {
  operation: string;
  method: 'POST' | 'PUT';
  path: () => string;
  /** A valid example: called per request, so names and event ids stay unique. */
  body: () => Record<string, Json>;
  headers?: () => Record<string, string>;
  /** The date-time leaves: there 30 February, year 0000, "" and TIME_VALUES' impossible times must be refused. */
  times?: string[];
  /** The leaf the 5,000-deep and 100 KB variants replace. */
  heavy: string;
}

interface Mutation {
  label: string;
  body?: Json;
  raw?: string;
  contentType?: string;
  /** docs/rest.md says this is refused: a 2xx is a failure too. */
  refused?: boolean;
}

const NAMESPACED = /^[a-z][a-z0-9_]*(\.[a-z0-9_]+)+$/;
const CHECKED_HERE = 'held to /openapi.json by the fuzz itself, so that a mismatch is collected with the rest instead of thrown';
const DEEP_MARKER = 'FUZZ-DEEP-MARKER';
const DEEP_ARRAY = '['.repeat(5_000) + '1' + ']'.repeat(5_000);
const DEEP_OBJECT = '{"a":'.repeat(5_000) + '1' + '}'.repeat(5_000);
const BIG = 'x'.repeat(100 * 1024);
/** Applied to every string leaf: [label, value, refused wherever it is]. */
const LEAF_VALUES: [string, string, boolean][] = [
  ['NUL', 'a\u0000b', true],
  ['lone surrogate', '\ud800', true],
  ['30 February', '2027-02-30T00:00:00Z', false],
  ['year 0000', '0000-01-01T00:00:00Z', false],
  ['empty string', '', false],
];
/** Applied to every node, leaf or not: a value of another type in its place. */
const TYPE_SWAPS: [string, Json][] = [['null', null], ['0', 0], ['-1', -1], ['1e308', 1e308], ['true', true], ['{}', {}], ['[]', []], ['"x"', 'x']];
/** Applied to the date-time leaves too: [value, refused] (RFC 3339, its calendar, years 1970-9999). */
const TIME_VALUES: [string, boolean][] = [
  ['2026-12-31T23:59:60Z', true], ['2026-06-05T24:00:00Z', true], ['10000-01-01T00:00:00Z', true], ['1969-12-31T23:59:59Z', true],
  ['+275760-09-13T00:00:00Z', true], ['2026-06-05', true], ['2026-06-05 09:00:00Z', false], ['2099-06-05t09:00:00+14:00', false],
];
/**
 * Query and path values, already percent-encoded. %ED%A0%80 is a lone surrogate as UTF-8, which is
 * not UTF-8: the query decoder makes it U+FFFD and the path decoder refuses it; only %00 must be refused.
 */
const URL_VALUES = [
  '%00', 'a%00b', '%ED%A0%80', '%ED', '%', '%zz', '2027-02-30T00%3A00%3A00Z', '0000-01-01T00%3A00%3A00Z', '', '-1', '0', '1.5', '1e400',
  '99999999999999999999999', String(2 ** 53 + 1), '9'.repeat(400), 'x'.repeat(4_000), '..%2F..%2Fetc%2Fpasswd', '%7B%22a%22%3A1%7D',
];

const wire = (path: Step[]) => path.map((s, i) => (typeof s === 'number' ? `[${s}]` : i === 0 ? s : `.${s}`)).join('');
const clone = <T>(value: T): T => JSON.parse(JSON.stringify(value)) as T;

/** The paths of every node, of the string leaves among them, and of every object key, depth first. */
function walk(value: Json, path: Step[] = [], out = { nodes: [] as Step[][], leaves: [] as Step[][], keys: [] as Step[][] }) {
  if (path.length) out.nodes.push(path);
  if (typeof value === 'string') out.leaves.push(path);
  else if (Array.isArray(value)) value.forEach((v, i) => walk(v, [...path, i], out));
  else if (value && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) {
      out.keys.push([...path, k]);
      walk(v, [...path, k], out);
    }
  }
  return out;
}

function parentOf(root: Json, path: Step[]): Record<string, Json> | Json[] {
  let node = root as Record<string | number, Json>;
  for (const step of path.slice(0, -1)) node = node[step] as Record<string | number, Json>;
  return node;
}

function setLeaf(body: Json, path: Step[], value: Json): Json {
  const copy = clone(body);
  (parentOf(copy, path) as Record<string | number, Json>)[path[path.length - 1]] = value;
  return copy;
}

/** The body with the key at `path` renamed, in its place among its siblings. */
function renameKey(body: Json, path: Step[], name: string): Json {
  const copy = clone(body);
  const parent = parentOf(copy, path) as Record<string, Json>;
  const entries = Object.entries(parent).map(([k, v]): [string, Json] => [k === path[path.length - 1] ? name : k, v]);
  for (const k of Object.keys(parent)) delete parent[k];
  Object.assign(parent, Object.fromEntries(entries));
  return copy;
}

/** Every mutation of one route's example, built from one sample of it (the shape is the same every call). */
function mutationsOf(route: BodyRoute): ((base: Record<string, Json>) => Mutation)[] {
  const { nodes, leaves, keys } = walk(route.body());
  const out: ((base: Record<string, Json>) => Mutation)[] = [];
  for (const leaf of leaves) {
    const isTime = route.times?.includes(wire(leaf)) ?? false;
    for (const [label, value, refused] of LEAF_VALUES) {
      out.push((base) => ({ label: `${wire(leaf)} = ${label}`, body: setLeaf(base, leaf, value), refused: refused || isTime }));
    }
    for (const [value, refused] of isTime ? TIME_VALUES : []) {
      out.push((base) => ({ label: `${wire(leaf)} = ${value}`, body: setLeaf(base, leaf, value), refused }));
    }
  }
  for (const node of nodes) {
    for (const [label, value] of TYPE_SWAPS) out.push((base) => ({ label: `${wire(node)} = ${label}`, body: setLeaf(base, node, value) }));
  }
  for (const key of keys) {
    out.push((base) => ({ label: `key ${wire(key)} with a NUL`, body: renameKey(base, key, `${String(key[key.length - 1])}\u0000`), refused: true }));
    out.push((base) => ({ label: `key ${wire(key)} with a lone surrogate`, body: renameKey(base, key, `${String(key[key.length - 1])}\ud800`), refused: true }));
  }
  const heavy = leaves.find((l) => wire(l) === route.heavy);
  if (!heavy) throw new Error(`${route.operation}: no string leaf ${route.heavy} in its example`);
  // Written as text: JSON.stringify of 5,000 levels would be the test's own stack overflow.
  const deep = (base: Record<string, Json>, text: string) => JSON.stringify(setLeaf(base, heavy, DEEP_MARKER)).replace(`"${DEEP_MARKER}"`, text);
  out.push((base) => ({ label: `${route.heavy} = array nested 5,000 deep`, raw: deep(base, DEEP_ARRAY), refused: true }));
  out.push((base) => ({ label: `${route.heavy} = object nested 5,000 deep`, raw: deep(base, DEEP_OBJECT), refused: true }));
  out.push((base) => ({ label: `${route.heavy} = a 100 KB string`, body: setLeaf(base, heavy, BIG) }));
  out.push((base) => ({ label: 'an unknown top-level field', body: { ...base, fuzz_unknown: 'x' }, refused: true }));
  for (const [label, body] of [['[]', []], ['null', null], ['"x"', 'x'], ['{}', {}]] as [string, Json][]) {
    out.push(() => ({ label: `body ${label}`, body, refused: label !== '{}' }));
  }
  for (const raw of ['{"a":', '', '{"a":1}{"b":2}', '\u0000', '"\\ud800"', '{"__proto__":{"polluted":1}}', '{"constructor":{"prototype":{"polluted":1}}}']) {
    out.push(() => ({ label: `raw body ${JSON.stringify(raw)}`, raw, refused: true }));
  }
  for (const contentType of ['text/plain', 'application/json; charset=utf-16', 'application/json; charset=latin1', 'application/x-www-form-urlencoded', 'application/jsonx']) {
    out.push((base) => ({ label: `content-type ${contentType}`, raw: JSON.stringify(base), contentType }));
  }
  return out;
}

describe('REST fuzz: no input is a 5xx, every refusal a namespaced code', () => {
  let app: TestApp;
  let contract: OpenApiContract;
  const logs = new LogCapture();
  /** A 5xx, a 4xx without a namespaced code, no answer. */
  const broken: string[] = [];
  /** An answer /openapi.json does not describe: status, body, or an error code its status does not list. */
  const undocumented: string[] = [];
  /** Accepted although docs/rest.md says it is refused. */
  const accepted: string[] = [];
  const examplesRefused: { operation: string; status: number; body: unknown }[] = [];
  let requests = 0;
  /** How many of each status each operation answered, printed with the run's summary. */
  const statuses = new Map<string, Map<number, number>>();
  let serial = 0;
  let sendTemplateId: string;
  let putTemplateId: string;
  let notificationId: string;
  const soon = () => new Date(Date.now() + 86_400_000).toISOString();

  const routes: BodyRoute[] = [
    {
      operation: 'POST /events',
      method: 'POST',
      path: () => '/events',
      body: () => ({
        event_type: 'user.created',
        event_version: '1',
        data: { user_id: 'u123', email: 'student@vas.edu.vn', full_name: 'Nguyễn Văn A', language: 'vi' },
        metadata: { event_id: `evt-fuzz-${++serial}`, timestamp: '2026-06-05T09:00:00Z', source_service: 'user-service.master', deliver_at: soon(), correlation_id: 'c-1' },
      }),
      times: ['metadata.timestamp', 'metadata.deliver_at'],
      heavy: 'data.full_name',
    },
    {
      operation: 'POST /templates',
      method: 'POST',
      path: () => '/templates',
      // One template per trigger event, type and language: the language is new each time too.
      body: () => ({ name: `fuzz_${++serial}`, type: 'webhook', language: `vi-${serial}`, trigger_event: 'user.created', subject: 'Hi {{full_name}}', content: 'Hello {{full_name}}' }),
      heavy: 'content',
    },
    {
      operation: 'PUT /templates/{id}',
      method: 'PUT',
      path: () => `/templates/${putTemplateId}`,
      body: () => ({
        id: putTemplateId,
        name: `fuzz_put_${++serial}`,
        type: 'webhook',
        language: 'en',
        trigger_event: null,
        title: 'Note for {{who}}',
        content: '{{who}} said {{what}}',
        version: 1,
        created_at: '2026-01-01T00:00:00Z',
        updated_at: '2026-01-01T00:00:00Z',
      }),
      heavy: 'content',
    },
    {
      operation: 'POST /send',
      method: 'POST',
      path: () => '/send',
      body: () => ({ template_id: sendTemplateId, recipient: 'ops-console', channel: 'webhook', params: { who: 'Ann', what: 'hi', nested: { list: ['a', 'b'] } }, send_at: soon() }),
      headers: () => ({ 'idempotency-key': `fuzz-${++serial}` }),
      times: ['send_at'],
      heavy: 'params.what',
    },
    ...['/me/notification-settings', '/users/fuzz-user/notification-settings'].map(
      (path): BodyRoute => ({
        operation: `PUT ${path.replace('fuzz-user', '{id}')}`,
        method: 'PUT',
        path: () => path,
        body: () => ({
          channels: [
            { channel: 'chat', enabled: true, target: 'https://open.feishu.cn/open-apis/bot/v2/hook/fuzz' },
            { channel: 'email', enabled: false, target: 'student@vas.edu.vn' },
          ],
          muted_events: [{ event_type: 'ticket_replied', channels: ['chat', 'email'] }],
          user: 'fuzz-user',
          address: null,
          updated_at: '2026-01-01T00:00:00Z',
        }),
        heavy: 'channels[0].target',
      }),
    ),
  ];

  /** The server's stack for the calls with this trace id (what a 5xx logged). */
  const stackOf = (res: HttpResult) => {
    const line = logs.withTraceId(res.headers.get('x-trace-id') ?? '').find((l) => l.err?.stack);
    return line ? `\n    server: ${String(line.err.stack).split('\n').slice(0, 4).join('\n      ')}` : '';
  };

  /** One request, its answer held to the invariant; a problem is recorded, never thrown. */
  const probe = async (operation: string, label: string, method: string, path: string, options: Parameters<typeof http>[3] & { refused?: boolean }) => {
    requests++;
    const { refused, ...rest } = options;
    const what = `${operation} [${label.slice(0, 80)}]`;
    let res: HttpResult;
    try {
      res = await http(app.httpUrl, method, path, { token: app.tokens.admin, ...rest, undocumented: CHECKED_HERE });
    } catch (err) {
      broken.push(`${what}: no answer (${(err as Error).message})`);
      return;
    }
    const counts = statuses.get(operation) ?? new Map<number, number>();
    statuses.set(operation, counts.set(res.status, (counts.get(res.status) ?? 0) + 1));
    const body = `\n    body: ${JSON.stringify(res.body)?.slice(0, 300)}`;
    const problems: string[] = [];
    if (res.status >= 500) problems.push(`answered ${res.status}`);
    else if (res.status >= 400 && !NAMESPACED.test(String(res.body?.error?.code))) problems.push(`a ${res.status} without a namespaced error.code`);
    if (problems.length) broken.push(`${what}: ${problems.join('; ')}${body}${stackOf(res)}`);
    try {
      contract.verify(method, path, { status: res.status, contentType: res.headers.get('content-type'), body: res.body, allow: res.headers.get('allow') });
      // Each error status's description lists its codes (`notif.template_name_taken`): the code must be one of them.
      const listed = contract.operation(method, path)?.responses[String(res.status)]?.description;
      const code = res.body?.error?.code;
      if (res.status >= 400 && listed !== undefined && !listed.includes(`\`${code}\``)) throw new Error(`${code} is not among the codes /openapi.json lists for ${res.status}: ${listed}`);
    } catch (err) {
      undocumented.push(`${what}: ${(err as Error).message.slice(0, 300)}${body}`);
    }
    if (refused && res.status < 400) accepted.push(`${what}: ${res.status}${body}`);
  };

  const fuzz = async () => {
    for (const route of routes) {
      for (const mutate of mutationsOf(route)) {
        const m = mutate(route.body());
        const headers = { ...route.headers?.(), ...(m.contentType ? { 'content-type': m.contentType } : {}) };
        const payload = m.raw !== undefined ? { rawBody: m.raw, headers: { 'content-type': 'application/json', ...headers } } : { body: m.body, headers };
        await probe(route.operation, m.label, route.method, route.path(), { ...payload, refused: m.refused });
      }
    }

    const send = routes.find((r) => r.operation === 'POST /send')!;
    for (const key of ['', 'x'.repeat(101), 'a b', 'é', '2027-02-30T00:00:00Z', '../..', '%00']) {
      await probe('POST /send', `Idempotency-Key ${JSON.stringify(key.slice(0, 20))}`, 'POST', '/send', { body: send.body(), headers: { 'idempotency-key': key } });
    }

    for (const param of ['page', 'page_size', 'type', 'trigger_event', 'language']) {
      for (const value of URL_VALUES) {
        await probe('GET /templates', `${param}=${value}`, 'GET', `/templates?${param}=${value}`, { refused: value.includes('%00') });
      }
      for (const shape of [`${param}=1&${param}=2`, `${param}[]=1`, `${param}[a]=1`, `${param}`, `${param}=1&${param}[x]=2`]) {
        await probe('GET /templates', shape, 'GET', `/templates?${shape}`, {});
      }
    }
    for (const query of ['%00=1', '%ED%A0%80=1', 'pagesize=1', '__proto__[polluted]=1', 'page=1&page=1&page=1&page=1&page=1', '&&&', '=']) {
      await probe('GET /templates', query, 'GET', `/templates?${query}`, {});
    }

    const settings = routes.find((r) => r.operation === 'PUT /users/{id}/notification-settings')!;
    const putTemplate = routes.find((r) => r.operation === 'PUT /templates/{id}')!;
    const byPath: [string, string, (id: string) => string, (() => Record<string, Json>)?][] = [
      ['GET /templates/{id}', 'GET', (id) => `/templates/${id}`],
      ['PUT /templates/{id}', 'PUT', (id) => `/templates/${id}`, putTemplate.body],
      ['GET /notifications/{id}', 'GET', (id) => `/notifications/${id}`],
      ['DELETE /notifications/{id}', 'DELETE', (id) => `/notifications/${id}`],
      ['GET /users/{id}/notification-settings', 'GET', (id) => `/users/${id}/notification-settings`],
      ['PUT /users/{id}/notification-settings', 'PUT', (id) => `/users/${id}/notification-settings`, settings.body],
    ];
    for (const [operation, method, path, body] of byPath) {
      for (const value of [...URL_VALUES.filter((v) => v !== ''), `${notificationId}%00`, putTemplateId.toUpperCase(), `${putTemplateId}%20`]) {
        await probe(operation, `id=${value}`, method, path(value), { body: body?.(), refused: value.includes('%00') });
      }
      await probe(operation, 'an undeclared query parameter with NUL', method, `${path(putTemplateId)}?page=-1&%00=%ED%A0%80`, { body: body?.(), refused: true });
    }
    for (const path of ['/health', '/ready', '/openapi.json', '/metrics', '/me/notification-settings']) {
      await probe(`GET ${path}`, 'an undeclared query parameter with NUL', 'GET', `${path}?page=-1&%00=%ED%A0%80`, { refused: true });
    }
    if ((Object.prototype as Record<string, unknown>).polluted !== undefined) broken.push('Object.prototype was polluted');
  };

  beforeAll(async () => {
    app = await startTestApp({ SWITCHBOARD_ROLE: 'api', LOG_LEVEL: 'error' }, { logs });
    contract = await OpenApiContract.load(app.httpUrl);
    const plugins = await graphql(app.httpUrl, '{ plugins { id pluginType pluginId } }', {}, app.tokens.admin);
    const webhook = (plugins.body.data.plugins as { id: string; pluginType: string; pluginId: string }[]).find((p) => p.pluginType === 'notifier' && p.pluginId === 'webhook')!.id;
    const notifier = await graphql(
      app.httpUrl,
      'mutation($input: CreatePluginInterfaceInput!) { createPluginInterface(input: $input) { id } }',
      { input: { pluginDefId: webhook, displayName: 'fuzz hook', config: { url: 'https://hooks.example.com/fuzz', secret: 'whsec_ZnV6ei13ZWJob29rLXNlY3JldC0wMTIzNDU2Nzg5' } } },
      app.tokens.admin,
    );
    if (notifier.body.errors) throw new Error(JSON.stringify(notifier.body.errors));
    const template = async (name: string) => {
      const res = await http(app.httpUrl, 'POST', '/templates', { token: app.tokens.admin, body: { name, type: 'webhook', subject: 'Note for {{who}}', content: '{{who}} said {{what}}' } });
      if (res.status !== 201) throw new Error(`POST /templates answered ${res.status}: ${JSON.stringify(res.body)}`);
      return res.body.data.id as string;
    };
    sendTemplateId = await template('fuzz_send');
    putTemplateId = await template('fuzz_put');
    const sent = await http(app.httpUrl, 'POST', '/send', { token: app.tokens.admin, body: { template_id: sendTemplateId, params: { who: 'a', what: 'b' }, send_at: soon() } });
    if (sent.status !== 202) throw new Error(`POST /send answered ${sent.status}: ${JSON.stringify(sent.body)}`);
    notificationId = sent.body.data.notification_id;

    for (const route of routes) {
      const res = await http(app.httpUrl, route.method, route.path(), { token: app.tokens.admin, body: route.body(), headers: route.headers?.() });
      if (res.status >= 300) examplesRefused.push({ operation: route.operation, status: res.status, body: res.body });
    }
    const started = Date.now();
    await fuzz();
    const seconds = ((Date.now() - started) / 1000).toFixed(1);
    const summary = [...statuses].map(([op, counts]) => `  ${op}: ${[...counts].sort(([a], [b]) => a - b).map(([st, n]) => `${st}×${n}`).join(' ')}`);
    console.log([`REST fuzz: ${requests} requests in ${seconds} s; ${broken.length} broken, ${undocumented.length} undocumented, ${accepted.length} accepted that should be refused`, ...summary].join('\n'));
  }, 120_000);
  afterAll(async () => {
    await app?.close();
  });

  it('every valid example is accepted (so each mutation is the only thing wrong with its request)', () => {
    expect(examplesRefused).toEqual([]);
  });

  it('no answer is a 5xx; every 4xx is the error envelope with a namespaced error.code', () => {
    expect(broken).toEqual([]);
  });

  it('every answer is one /openapi.json describes, error codes included', () => {
    expect(undocumented).toEqual([]);
  });

  it('what docs/rest.md refuses (NUL, unpaired surrogates, nesting past 64, impossible times, not an object) is refused', () => {
    expect(accepted).toEqual([]);
  });

  it('the server still answers /health with 200 afterwards', async () => {
    expect((await http(app.httpUrl, 'GET', '/health')).status).toBe(200);
  });
});
