import * as protoLoader from '@grpc/proto-loader';
import { deepFreeze } from '../deep-freeze.js';
import { memoizeRepeatedResponseFields } from './memoized-response-serializer.js';
import { PROTO_FILES, PROTO_LOADER_OPTIONS } from './switchboard-grpc-server.js';

const SERVICE = 'rustbill.integration.IntegrationService';

interface Method {
  responseSerialize: (value: unknown) => Buffer;
  responseDeserialize: (bytes: Buffer) => unknown;
}

function methods(): { plain: Record<string, Method>; memoized: Record<string, Method> } {
  const plain = protoLoader.loadSync(PROTO_FILES, PROTO_LOADER_OPTIONS);
  const memoized = protoLoader.loadSync(PROTO_FILES, PROTO_LOADER_OPTIONS);
  memoizeRepeatedResponseFields(memoized, [SERVICE]);
  return { plain: plain[SERVICE] as unknown as Record<string, Method>, memoized: memoized[SERVICE] as unknown as Record<string, Method> };
}

const info = (n: number, extra: Record<string, unknown> = {}) => ({
  id: `0192a123-0000-7000-8000-${String(n).padStart(12, '0')}`,
  plugin_def_id: '0192a123-0000-7000-8000-000000000000',
  plugin_type: 'notifier',
  plugin_id: 'webhook',
  display_name: `hook ${n} — ünïcode 易支付`,
  enabled: n % 2 === 0,
  config_json: JSON.stringify({ url: `https://example.com/${n}`, secret: '********' }),
  config_schema: '{"type":"object"}',
  created_at: '2026-12-01T00:00:00.000Z',
  updated_at: '2026-12-01T00:00:00.000Z',
  is_healthy: false,
  has_admin_page: false,
  plugin_version: '1.0.0',
  ...extra,
});

describe('memoizeRepeatedResponseFields', () => {
  const { plain, memoized } = methods();
  const list = (m: Record<string, Method>) => m.ListPluginInterfaces;

  it('writes exactly the bytes of the loader serializer, frozen elements or not', () => {
    const elements = [info(1), info(2, { health_error: 'down', last_check_at: '2026-12-01T00:00:01.000Z' }), info(3)];
    const expected = list(plain).responseSerialize({ interfaces: elements });
    expect(list(memoized).responseSerialize({ interfaces: elements })).toEqual(expected);
    const frozen = deepFreeze(elements.map((e) => ({ ...e })));
    expect(list(memoized).responseSerialize({ interfaces: frozen })).toEqual(expected);
    // again, from the memo: still the same bytes
    expect(list(memoized).responseSerialize({ interfaces: frozen })).toEqual(expected);
    expect(list(memoized).responseSerialize({ interfaces: [...frozen].reverse() })).toEqual(list(plain).responseSerialize({ interfaces: [...elements].reverse() }));
  });

  it('reuses a frozen list whole, and never serves one list for another', () => {
    const a = deepFreeze([info(1), info(2)]);
    const b = deepFreeze([info(1), info(3)]);
    const first = list(memoized).responseSerialize({ interfaces: a });
    expect(list(memoized).responseSerialize({ interfaces: a })).toBe(first);
    expect(list(memoized).responseSerialize({ interfaces: b })).toEqual(list(plain).responseSerialize({ interfaces: b }));
  });

  it('re-encodes elements that are not frozen on every call (they may have changed)', () => {
    const element = info(1);
    const elements = [element];
    const before = list(memoized).responseSerialize({ interfaces: elements });
    element.display_name = 'renamed';
    const after = list(memoized).responseSerialize({ interfaces: elements });
    expect(after).not.toEqual(before);
    expect(after).toEqual(list(plain).responseSerialize({ interfaces: elements }));
  });

  it('leaves other responses to the loader serializer: empty lists, several fields, other methods', () => {
    expect(list(memoized).responseSerialize({ interfaces: [] })).toEqual(list(plain).responseSerialize({ interfaces: [] }));
    const health = { is_healthy: true, checked_at: '2026-12-01T00:00:00.000Z' };
    expect(memoized.CheckPluginHealth.responseSerialize(deepFreeze({ ...health }))).toEqual(plain.CheckPluginHealth.responseSerialize(health));
    const sync = { products: [deepFreeze({ product_id: 'p', external_id: 'e', name: 'n', created: true })], created_count: 1, updated_count: 0 };
    expect(memoized.SyncProducts.responseSerialize(sync)).toEqual(plain.SyncProducts.responseSerialize(sync));
  });
});
