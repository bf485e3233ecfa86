/**
 * What a plugin script must provide, per plugin type (seed 001; docs/plugins.md, "The contract").
 * Checked when a script is scanned: a script missing a required function, or whose version() /
 * config_schema() / channel() answer in the wrong shape, is stored as invalid with the reason and
 * cannot be called.
 */

export const PLUGIN_TYPES = ['first_party_provider', 'upstream_provider', 'gateway', 'notifier'] as const;
export type PluginType = (typeof PLUGIN_TYPES)[number];

export function isPluginType(value: unknown): value is PluginType {
  return typeof value === 'string' && (PLUGIN_TYPES as readonly string[]).includes(value);
}

export const NOTIFIER_CHANNELS = ['email', 'sms', 'push', 'chat', 'webhook'] as const;
export type NotifierChannel = (typeof NOTIFIER_CHANNELS)[number];

export function isNotifierChannel(value: unknown): value is NotifierChannel {
  return typeof value === 'string' && (NOTIFIER_CHANNELS as readonly string[]).includes(value);
}

/** Channels that address people one by one (a record per recipient); the others get one record per event. */
export const PERSONAL_CHANNELS: readonly NotifierChannel[] = ['email', 'sms', 'push'];

const COMMON_REQUIRED = ['config_schema', 'health_check'] as const;
const PROVIDER_REQUIRED = ['spec_template', 'sync_products', 'query_price', 'create_instance', 'get_instance_status'] as const;

export const REQUIRED_FUNCTIONS: Record<PluginType, readonly string[]> = {
  first_party_provider: [...COMMON_REQUIRED, ...PROVIDER_REQUIRED],
  upstream_provider: [...COMMON_REQUIRED, ...PROVIDER_REQUIRED, 'sync_upstream_instances', 'get_upstream_balance'],
  gateway: [...COMMON_REQUIRED, 'create_payment', 'verify_callback'],
  notifier: [...COMMON_REQUIRED, 'channel', 'supported_events', 'send'],
};

/** Functions any plugin may add: version(), admin_page(), and admin_* actions. */
export function isOptionalFunction(name: string): boolean {
  return name === 'version' || name === 'admin_page' || /^admin_[a-z0-9_]+$/.test(name);
}

/** plugin_id from the file name: plugins/<plugin_type>/<plugin_id>.js */
export const PLUGIN_ID_PATTERN = /^[a-z][a-z0-9_-]{0,62}$/;

/** Semantic version as version() must return it. */
export const SEMVER_PATTERN = /^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(?:-[0-9A-Za-z.-]+)?(?:\+[0-9A-Za-z.-]+)?$/;

export const DEFAULT_VERSION = '0.0.0';

/** Largest script accepted. */
export const MAX_SOURCE_BYTES = 1024 * 1024;

export function missingFunctions(type: PluginType, found: readonly string[]): string[] {
  return REQUIRED_FUNCTIONS[type].filter((fn) => !found.includes(fn));
}

/** Seed 003's delivery error codes: the first four are worth retrying, the rest are not. */
export const RETRYABLE_SEND_ERRORS = ['provider_timeout', 'provider_rate_limited', 'provider_5xx', 'network_error'] as const;
export const PERMANENT_SEND_ERRORS = ['recipient_missing', 'invalid_url', 'provider_auth_failed', 'payload_invalid'] as const;
export const SEND_ERROR_CODES = [...RETRYABLE_SEND_ERRORS, ...PERMANENT_SEND_ERRORS] as const;
export type SendErrorCode = (typeof SEND_ERROR_CODES)[number];

export const SEND_OUTCOMES = ['success', 'temporary_fail', 'permanent_fail', 'skipped'] as const;
export type SendOutcome = (typeof SEND_OUTCOMES)[number];
