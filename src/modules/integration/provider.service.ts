import { createHash } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { AppError } from '../../common/errors/app-error.js';
import { IdGenerator } from '../../common/id-generator.js';
import { PluginRuntime } from '../plugins/plugin-runtime.service.js';
import type {
  CreateInstanceResult,
  InstanceStatusResult,
  QueryPriceResult,
  SyncedProductResult,
  UpstreamBalanceResult,
  UpstreamInstanceResult,
} from '../plugins/plugin-results.js';
import { InstanceRepository } from './instance.repository.js';
import { InterfaceService, isProvider } from './interface.service.js';
import type { StoredInterface } from './plugin-interface.repository.js';
import { ProductRepository, type ProductUpsert, type UpsertedProduct } from './product.repository.js';

const UINT32_MAX = 4_294_967_295;
const NUMERIC_SPECS = ['cpu_cores', 'memory_gb', 'disk_gb', 'bandwidth_mbps'] as const;
const TEXT_SPECS = ['region', 'os'] as const;
const MAX_EXTRA_SPECS = 100;
const MAX_SPEC_CHARS = 1000;

/** A server spec as the plugin receives it: the numbers and texts resolved from either form. */
export interface ResolvedSpec {
  cpu_cores: number;
  memory_gb: number;
  disk_gb: number;
  bandwidth_mbps: number;
  region: string;
  os: string;
  extra_specs: Record<string, string>;
}

/** The spec as a caller sends it: fields may be 0/empty with the value only in extra_specs. */
export interface SpecInput {
  cpu_cores?: unknown;
  memory_gb?: unknown;
  disk_gb?: unknown;
  bandwidth_mbps?: unknown;
  region?: unknown;
  os?: unknown;
  extra_specs?: unknown;
}

export interface SyncProductsOutcome {
  products: UpsertedProduct[];
  createdCount: number;
  updatedCount: number;
}

/**
 * The provider operations of IntegrationService: each loads an enabled provider
 * interface, calls its plugin and turns a plugin failure into a clean status: Unavailable when
 * the target is down, throttled or timed out, FailedPrecondition when it refused.
 */
@Injectable()
export class ProviderService {
  constructor(
    private readonly interfaces: InterfaceService,
    private readonly runtime: PluginRuntime,
    private readonly products: ProductRepository,
    private readonly instances: InstanceRepository,
    private readonly ids: IdGenerator,
  ) {}

  /**
   * Orders a server. The plugin gets a stable idempotency key as `order_id` (the built-in
   * providers send it upstream as Idempotency-Key / the instance name), so a retried call does not
   * buy a second server: the caller's key when given, scoped to the caller (`<key>-<8 hex of the
   * caller's sub>`, so another caller sending the same key orders its own server and never gets
   * this one back), else one derived from the interface, the caller and the resolved spec. The
   * ordered instance is recorded in `instances`.
   */
  async createInstance(input: { interfaceId: unknown; spec: SpecInput | null | undefined; callerSub: string; idempotencyKey?: unknown }): Promise<CreateInstanceResult> {
    const spec = resolveSpec(input.spec ?? {}, 'server_spec.');
    const row = await this.provider(input.interfaceId);
    const given = idempotencyKey(input.idempotencyKey);
    const key = given !== undefined ? callerScopedKey(given, input.callerSub) : derivedKey(row.id, input.callerSub, spec);
    const result = await this.call<CreateInstanceResult>(row, 'create_instance', { server_spec: spec, order_id: key });
    await this.instances.record({
      id: this.ids.uuid(),
      interfaceId: row.id,
      providerInstanceId: result.provider_instance_id,
      status: result.status,
      ipAddress: result.ip_address ?? null,
      origin: 'ordered',
    });
    return result;
  }

  async syncUpstreamInstances(interfaceId: unknown): Promise<UpstreamInstanceResult[]> {
    const row = await this.provider(interfaceId, { upstreamOnly: true });
    return (await this.call<{ instances: UpstreamInstanceResult[] }>(row, 'sync_upstream_instances', {})).instances;
  }

  /** Records an upstream instance locally; the same one imported again answers the same local id. */
  async importUpstreamInstance(input: { interfaceId: unknown; instanceId: unknown }): Promise<{ id: string; status: string; ipAddress: string | null }> {
    const providerInstanceId = requireText(input.instanceId, 'instance_id');
    const row = await this.provider(input.interfaceId, { upstreamOnly: true });
    const status = await this.call<InstanceStatusResult>(row, 'get_instance_status', { instance_id: providerInstanceId });
    if (status.status === 'not_found') {
      throw new AppError('integration.instance_not_found', `The provider has no instance ${providerInstanceId.slice(0, 200)}`, { interfaceId: row.id });
    }
    const ipAddress = status.ip_address ?? null;
    const id = await this.instances.record({ id: this.ids.uuid(), interfaceId: row.id, providerInstanceId, status: status.status, ipAddress, origin: 'imported' });
    return { id, status: status.status, ipAddress };
  }

  async queryPrice(input: { interfaceId: unknown; spec: SpecInput; prefix?: string }): Promise<QueryPriceResult> {
    const spec = resolveSpec(input.spec, input.prefix ?? '');
    const row = await this.provider(input.interfaceId);
    return this.call<QueryPriceResult>(row, 'query_price', { ...spec });
  }

  async syncProducts(interfaceId: unknown): Promise<SyncProductsOutcome> {
    const row = await this.provider(interfaceId);
    const result = await this.call<{ products: SyncedProductResult[] }>(row, 'sync_products', {});
    // Last one wins when the provider lists a key twice.
    const byKey = new Map<string, ProductUpsert>();
    for (const p of result.products) {
      byKey.set(p.external_id, {
        id: this.ids.uuid(),
        externalId: p.external_id,
        name: p.name,
        description: p.description ?? null,
        price: p.price ?? null,
        currency: p.currency ?? null,
        billingCycle: p.billing_cycle ?? null,
        specs: p.specs ?? {},
      });
    }
    const products = await this.products.replaceListing(row.id, [...byKey.values()]);
    const createdCount = products.filter((p) => p.created).length;
    return { products, createdCount, updatedCount: products.length - createdCount };
  }

  async instanceStatus(input: { interfaceId: unknown; instanceId: unknown }): Promise<InstanceStatusResult> {
    const instanceId = requireText(input.instanceId, 'instance_id');
    const row = await this.provider(input.interfaceId);
    return this.call<InstanceStatusResult>(row, 'get_instance_status', { instance_id: instanceId });
  }

  async upstreamBalance(interfaceId: unknown): Promise<UpstreamBalanceResult> {
    const row = await this.provider(interfaceId, { upstreamOnly: true });
    return this.call<UpstreamBalanceResult>(row, 'get_upstream_balance', {});
  }

  /** An enabled provider interface (an upstream one when `upstreamOnly`), or FailedPrecondition. */
  private async provider(interfaceId: unknown, options: { upstreamOnly?: boolean } = {}): Promise<StoredInterface> {
    const row = await this.interfaces.find(interfaceId);
    const name = `${row.pluginType}/${row.pluginId} interface ${row.id}`;
    if (!isProvider(row.pluginType)) {
      throw new AppError('integration.not_a_provider', `The ${name} is not a provider (plugin type ${row.pluginType})`, { interfaceId: row.id, pluginType: row.pluginType });
    }
    if (!row.enabled) throw new AppError('integration.interface_disabled', `The ${name} is disabled`, { interfaceId: row.id });
    if (options.upstreamOnly && row.pluginType !== 'upstream_provider') {
      throw new AppError('integration.not_upstream', `The ${name} is a first-party provider; this operation is for upstream providers only`, { interfaceId: row.id });
    }
    return row;
  }

  private async call<T>(row: StoredInterface, fn: string, params: Record<string, unknown>): Promise<T> {
    try {
      return (await this.runtime.call({ pluginDefId: row.pluginDefId, fn, config: row.config, params, interfaceId: row.id })) as T;
    } catch (err) {
      throw providerError(err, row, fn);
    }
  }
}

/**
 * Error codes the built-in providers start their messages with (seed 003 style) that mean the
 * target is down, busy or timed out; the runtime reports them as "… threw Error: <code>: …".
 */
const UNAVAILABLE_MESSAGE = /(?:^|threw \w*: )(?:network_error|provider_timeout|provider_5xx|provider_rate_limited):/;

function providerError(err: unknown, row: StoredInterface, fn: string): unknown {
  if (!(err instanceof AppError)) return err;
  const details = { interfaceId: row.id, function: fn };
  switch (err.code) {
    case 'plugins.timeout':
    case 'plugins.sandbox_crashed':
      return new AppError('integration.provider_unavailable', err.message, details, { cause: err });
    case 'plugins.script_error':
    case 'plugins.invalid_result':
      return UNAVAILABLE_MESSAGE.test(err.message)
        ? new AppError('integration.provider_unavailable', err.message, details, { cause: err })
        : new AppError('integration.provider_refused', err.message, details, { cause: err });
    default:
      return err;
  }
}

const KEY_PATTERN = /^[A-Za-z0-9._:-]{1,100}$/;

/** A caller-chosen idempotency key (gRPC metadata idempotency-key), when given. */
function idempotencyKey(value: unknown): string | undefined {
  if (value === undefined || value === null || value === '') return undefined;
  if (typeof value !== 'string' || !KEY_PATTERN.test(value)) throw AppError.invalidField('idempotency-key', 'must be 1 to 100 of A-Z a-z 0-9 . _ : -');
  return value;
}

/** A caller's own key, told apart from the same key sent by another caller. */
export function callerScopedKey(key: string, callerSub: string): string {
  return `${key}-${createHash('sha256').update(callerSub).digest('hex').slice(0, 8)}`;
}

/**
 * The same interface, caller and resolved spec always give the same key, whichever form the spec
 * came in (extra_specs entries that stood in for typed fields are not counted twice).
 */
function derivedKey(interfaceId: string, callerSub: string, spec: ResolvedSpec): string {
  const typed = new Set<string>([...NUMERIC_SPECS, ...TEXT_SPECS]);
  const extra = Object.keys(spec.extra_specs)
    .filter((k) => !typed.has(k))
    .sort()
    .map((k) => [k, spec.extra_specs[k]]);
  const canonical = JSON.stringify([interfaceId, callerSub, NUMERIC_SPECS.map((k) => spec[k]), spec.region, spec.os, extra]);
  return createHash('sha256').update(canonical).digest('hex').slice(0, 32);
}

function requireText(value: unknown, field: string): string {
  if (typeof value !== 'string' || value.trim() === '') throw AppError.invalidField(field, 'is required');
  if (value.length > MAX_SPEC_CHARS) throw AppError.invalidField(field, `must be at most ${MAX_SPEC_CHARS} characters`);
  return value;
}

/**
 * RustBill's customer client sends spec values only in extra_specs (strings keyed by
 * SpecField.key) and leaves the typed fields at 0: a typed field that is set wins, else the
 * extra_specs string is used; one that is neither a whole number in uint32 range nor absent is
 * InvalidArgument naming the field.
 */
export function resolveSpec(input: SpecInput, prefix: string): ResolvedSpec {
  const extra = extraSpecs(input.extra_specs, `${prefix}extra_specs`);
  const spec = { extra_specs: extra } as ResolvedSpec;
  for (const key of NUMERIC_SPECS) {
    const typed = input[key];
    if (typed !== undefined && typed !== null && (typeof typed !== 'number' || !Number.isInteger(typed) || typed < 0 || typed > UINT32_MAX)) {
      throw AppError.invalidField(`${prefix}${key}`, `must be a whole number from 0 to ${UINT32_MAX}`);
    }
    if (typeof typed === 'number' && typed > 0) {
      spec[key] = typed;
      continue;
    }
    const text = extra[key];
    if (text === undefined || text.trim() === '') {
      spec[key] = 0;
      continue;
    }
    const trimmed = text.trim();
    const n = /^\d{1,10}$/.test(trimmed) ? Number(trimmed) : NaN;
    if (!Number.isInteger(n) || n > UINT32_MAX) {
      throw AppError.invalidField(`${prefix}extra_specs.${key}`, `must be a whole number from 0 to ${UINT32_MAX}, got "${trimmed.slice(0, 40)}"`);
    }
    spec[key] = n;
  }
  for (const key of TEXT_SPECS) {
    const typed = input[key];
    if (typed !== undefined && typed !== null && typeof typed !== 'string') throw AppError.invalidField(`${prefix}${key}`, 'must be a string');
    if (typeof typed === 'string' && typed.length > MAX_SPEC_CHARS) throw AppError.invalidField(`${prefix}${key}`, `must be at most ${MAX_SPEC_CHARS} characters`);
    spec[key] = typeof typed === 'string' && typed !== '' ? typed : (extra[key] ?? '');
  }
  return spec;
}

function extraSpecs(value: unknown, field: string): Record<string, string> {
  if (value === undefined || value === null) return {};
  if (typeof value !== 'object' || Array.isArray(value)) throw AppError.invalidField(field, 'must be a map of strings');
  const entries = Object.entries(value as Record<string, unknown>);
  if (entries.length > MAX_EXTRA_SPECS) throw AppError.invalidField(field, `must have at most ${MAX_EXTRA_SPECS} entries`);
  for (const [k, v] of entries) {
    if (typeof v !== 'string') throw AppError.invalidField(`${field}.${k.slice(0, 64)}`, 'must be a string');
    if (k.length > 200 || v.length > MAX_SPEC_CHARS) throw AppError.invalidField(`${field}.${k.slice(0, 64)}`, 'is too long');
  }
  // fromEntries defines own properties, so a key such as "__proto__" stays a plain key.
  return Object.fromEntries(entries) as Record<string, string>;
}
