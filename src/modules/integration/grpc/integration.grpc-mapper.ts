import { deepFreeze } from '../../../common/deep-freeze.js';
import type { CreateInstanceResult, QueryPriceResult, SpecTemplateResult, UpstreamInstanceResult } from '../../plugins/plugin-results.js';
import type { AdminPage, ChannelSummary, HealthReport, PluginInterface, ProviderSummary } from '../integration.types.js';
import type { SyncProductsOutcome } from '../provider.service.js';

/** rustbill.integration.PluginInterfaceInfo, exactly the seed's fields. */
export interface PluginInterfaceInfoMessage {
  id: string;
  plugin_def_id: string;
  plugin_type: string;
  plugin_id: string;
  display_name: string;
  enabled: boolean;
  config_json: string;
  config_schema: string;
  created_at: string;
  updated_at: string;
  is_healthy: boolean;
  health_error?: string;
  last_check_at?: string;
  has_admin_page: boolean;
  plugin_version: string;
}

export interface SpecFieldMessage {
  key: string;
  label: string;
  field_type: string;
  required: boolean;
  display_order: number;
  options: string[];
  min: string;
  max: string;
  default_value: string;
}

export interface ProviderInfoMessage {
  interface_id: string;
  provider_name: string;
  provider_type: string;
  is_healthy: boolean;
  spec_template: { fields: SpecFieldMessage[] };
}

/** Messages of frozen interfaces and lists (the list cache's, one per row version); they go with their source. */
const interfaceInfos = new WeakMap<PluginInterface, PluginInterfaceInfoMessage>();
const interfaceInfoLists = new WeakMap<readonly PluginInterface[], readonly PluginInterfaceInfoMessage[]>();

/** A frozen list is mapped once, into a frozen list (see toInterfaceInfo). */
export function toInterfaceInfos(list: readonly PluginInterface[]): readonly PluginInterfaceInfoMessage[] {
  let messages = interfaceInfoLists.get(list);
  if (messages === undefined) {
    messages = Object.freeze(list.map(toInterfaceInfo));
    if (Object.isFrozen(list)) interfaceInfoLists.set(list, messages);
  }
  return messages;
}

/**
 * A frozen interface is mapped once and its message frozen too, so that the gRPC layer can also
 * encode it once (see memoizeRepeatedField); others are mapped afresh.
 */
export function toInterfaceInfo(i: PluginInterface): PluginInterfaceInfoMessage {
  if (!Object.isFrozen(i)) return interfaceInfo(i);
  let message = interfaceInfos.get(i);
  if (message === undefined) {
    message = deepFreeze(interfaceInfo(i));
    interfaceInfos.set(i, message);
  }
  return message;
}

function interfaceInfo(i: PluginInterface): PluginInterfaceInfoMessage {
  return {
    id: i.id,
    plugin_def_id: i.pluginDefId,
    plugin_type: i.pluginType,
    plugin_id: i.pluginId,
    display_name: i.displayName,
    enabled: i.enabled,
    config_json: JSON.stringify(i.config),
    config_schema: JSON.stringify(i.configSchema),
    created_at: i.createdAt.toISOString(),
    updated_at: i.updatedAt.toISOString(),
    is_healthy: i.isHealthy,
    ...(i.healthError !== null ? { health_error: i.healthError } : {}),
    ...(i.lastCheckAt !== null ? { last_check_at: i.lastCheckAt.toISOString() } : {}),
    has_admin_page: i.hasAdminPage,
    plugin_version: i.pluginVersion,
  };
}

export function toHealthResponse(h: HealthReport): { is_healthy: boolean; error?: string; checked_at: string } {
  return { is_healthy: h.isHealthy, ...(h.error !== null ? { error: h.error } : {}), checked_at: h.checkedAt.toISOString() };
}

export function toSpecTemplate(t: SpecTemplateResult): { fields: SpecFieldMessage[] } {
  return {
    fields: t.fields.map((f) => ({
      key: f.key,
      label: f.label,
      field_type: f.field_type,
      required: f.required ?? false,
      display_order: f.display_order ?? 0,
      options: f.options ?? [],
      min: String(f.min ?? 0),
      max: String(f.max ?? 0),
      default_value: f.default_value ?? '',
    })),
  };
}

export function toProviderInfo(p: ProviderSummary): ProviderInfoMessage {
  return {
    interface_id: p.interfaceId,
    provider_name: p.name,
    provider_type: p.providerType,
    is_healthy: p.isHealthy,
    spec_template: toSpecTemplate(p.specTemplate),
  };
}

export function toGatewayInfo(c: ChannelSummary): { gateway_id: string; gateway_name: string; is_healthy: boolean } {
  return { gateway_id: c.id, gateway_name: c.name, is_healthy: c.isHealthy };
}

export function toNotifierInfo(c: ChannelSummary): { channel_id: string; channel_name: string; is_healthy: boolean } {
  return { channel_id: c.id, channel_name: c.name, is_healthy: c.isHealthy };
}

export function toAdminPage(p: AdminPage): { html_content: string; title: string } {
  return { html_content: p.html, title: p.title };
}

/** QueryPriceRequest as the loader decodes it (uint32 as numbers, the map as an object). */
export interface QueryPriceRequestMessage {
  interface_id: string;
  cpu_cores?: number;
  memory_gb?: number;
  disk_gb?: number;
  bandwidth_mbps?: number;
  region?: string;
  os?: string;
  extra_specs?: Record<string, string>;
}

export interface SyncProductsResponseMessage {
  products: { product_id: string; external_id: string; name: string; created: boolean }[];
  created_count: number;
  updated_count: number;
}

export function toSyncProductsResponse(s: SyncProductsOutcome): SyncProductsResponseMessage {
  return {
    products: s.products.map((p) => ({ product_id: p.id, external_id: p.externalId, name: p.name, created: p.created })),
    created_count: s.createdCount,
    updated_count: s.updatedCount,
  };
}

export function toQueryPriceResponse(q: QueryPriceResult): { amount: string; currency: string; billing_cycle: string } {
  return { amount: q.amount, currency: q.currency, billing_cycle: q.billing_cycle };
}

export interface UpstreamOrderRequestMessage {
  interface_id: string;
  server_spec?: Omit<QueryPriceRequestMessage, 'interface_id'> | null;
}

export function toUpstreamOrderResponse(r: CreateInstanceResult): { provider_instance_id: string; status: string; ip_address: string } {
  return { provider_instance_id: r.provider_instance_id, status: r.status, ip_address: r.ip_address ?? '' };
}

export interface UpstreamInstanceItemMessage {
  instance_id: string;
  status: string;
  ip_address: string;
  created_at: string;
}

export function toUpstreamInstanceItem(i: UpstreamInstanceResult): UpstreamInstanceItemMessage {
  return { instance_id: i.instance_id, status: i.status, ip_address: i.ip_address ?? '', created_at: i.created_at ?? '' };
}
