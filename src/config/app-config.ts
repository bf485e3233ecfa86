import { isIP } from 'node:net';
import { resolve } from 'node:path';
import { validateCronExpression } from 'cron';
import { parseKeyring } from '../common/secrets/secret-box.js';
import { BUILTIN_PLUGINS_DIR } from './paths.js';

/**
 * Typed configuration, parsed once from the environment at boot. Nothing else in the code base
 * reads process.env: every setting has a name, a default and a check here, and every bad variable
 * is reported in one message so an operator fixes them in one go.
 */

export const ROLES = ['api', 'worker', 'all'] as const;
export type SwitchboardRole = (typeof ROLES)[number];

export const NODE_ENVS = ['development', 'production', 'test'] as const;
export type NodeEnv = (typeof NODE_ENVS)[number];

/** EMBEDDED_DATABASE: auto = the embedded PostgreSQL server, PGlite where it cannot run. */
export const EMBEDDED_ENGINES = ['auto', 'postgres', 'pglite'] as const;
export type EmbeddedEngineChoice = (typeof EMBEDDED_ENGINES)[number];
export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

export interface AppConfig {
  env: NodeEnv;
  role: SwitchboardRole;
  /** Bind address of both listeners. */
  host: string;
  /**
   * readTimeoutMs: longest a client of the gRPC port may take to send its first bytes, HTTP/1.1
   * request headers, or a gRPC-Web request body.
   */
  grpc: { port: number; maxMessageBytes: number; readTimeoutMs: number };
  /** Origins browsers may call the gRPC port (gRPC-Web, /health) from: exact origins, or `*`. */
  cors: { origins: string[] };
  http: { port: number; maxBodyBytes: number };
  /**
   * introspection: whether /graphql answers `__schema` / `__type` (GRAPHQL_INTROSPECTION). Off by
   * default in production only: see docs/foundation.md, "GraphQL".
   */
  graphql: { introspection: boolean };
  /**
   * url null: run on the embedded database in dataDir (embedded: which engine, and the system user
   * its server runs as when this process is root; see docs/foundation.md, "Embedded database").
   * listen: use LISTEN/NOTIFY to wake workers (off behind a transaction-pooling proxy such as PgBouncer).
   */
  database: { url: string | null; poolSize: number; listen: boolean; embedded: { engine: EmbeddedEngineChoice; rootRunsAs: string } };
  dataDir: string;
  pluginsDir: string;
  /** secret null: not set in the environment; resolved from the data directory in development. */
  /** audience / issuer: JWT_AUDIENCE / JWT_ISSUER, enforced on every token when set; maxLifetimeDays: JWT_MAX_LIFETIME_DAYS (docs/foundation.md, "Auth"). */
  jwt: { secret: string | null; audience: string | null; issuer: string | null; maxLifetimeDays: number };
  /**
   * SECRETS_KEY, the keyring secrets at rest are sealed with (`<id>:<base64 key>,…`, the first
   * current; checked here); null: a key generated in the data directory (see resolveKeyring).
   */
  secretsKey: string | null;
  adminNotifyEmail: string | null;
  logLevel: LogLevel;
  shutdownTimeoutMs: number;
  /**
   * Whether a process manager restarts this process when it exits (RestartServer then exits with
   * RESTART_EXIT_CODE) or not (the process restarts the app in itself). `supervisor` names what
   * told us: "SWITCHBOARD_SUPERVISED", "systemd" (INVOCATION_ID), "kubernetes"
   * (KUBERNETES_SERVICE_HOST), or null when unsupervised.
   */
  restart: { supervised: boolean; supervisor: string | null };
  plugins: {
    timeoutMs: number;
    memoryBytes: number;
    stackBytes: number;
    maxResultBytes: number;
    httpMaxResponseBytes: number;
    /** Hosts (name or IP, optional :port) that plugin HTTP may reach although they are private. */
    httpAllow: string[];
    /**
     * The same, for recipients' own targets (a personal webhook or chat URL from their settings):
     * PLUGIN_HTTP_ALLOW does not apply to URLs users supply, only these (PERSONAL_TARGET_ALLOW).
     */
    personalTargetAllow: string[];
    workers: number;
    /**
     * Shipped scripts with a host-code twin run as that twin on the calling thread, not in the
     * sandbox, while the stored script is exactly the shipped one (PLUGIN_TRUSTED_BUILTINS).
     */
    trustedBuiltins: boolean;
    /** Safety-net rescan of PLUGINS_DIR (the directory is also watched). */
    scanIntervalMs: number;
  };
  /** The plugin health-check cron (worker role). */
  healthCheck: {
    /** Cron expression (5 fields, or 6 with seconds first), evaluated in UTC. */
    cron: string;
    /** Interfaces checked at once during a sweep. */
    concurrency: number;
    /** Longest one health_check() may take before it counts as unhealthy. */
    timeoutMs: number;
  };
  /** Event ingress and the outbox relay (worker role). */
  events: {
    /** Largest `data` payload accepted, as JSON bytes. */
    maxBytes: number;
    /** Safety-net poll of the outbox (NOTIFY and the in-process wake-up are the fast path). */
    pollMs: number;
    batchSize: number;
    /** Planning attempts of one outbox row before it is marked dead. */
    maxAttempts: number;
    retentionDays: number;
  };
  /** The dispatcher of notification records (worker role). */
  delivery: {
    /** Wait before retry n (1-based), in ms; attempts = schedule length + 1. */
    retryScheduleMs: number[];
    /** The shortest wait before any retry, whatever the jitter drew. */
    minRetryMs: number;
    /** Sends in flight at once, over all channels / per channel (notifier interface). */
    concurrency: number;
    channelConcurrency: number;
    /**
     * Of the work claimed while high-priority and bulk work both wait, the share bulk gets (0–0.9;
     * DELIVERY_BULK_SHARE_PERCENT): planning in the relay and sends in the dispatcher alike.
     */
    bulkShare: number;
    /** How long a claimed record is this worker's; past it, another worker reclaims it. */
    leaseMs: number;
    pollMs: number;
    /** How far ahead a notification may be scheduled (send_at, deliver_at). */
    maxScheduleDays: number;
    /** Finished records (sent, dead, skipped, cancelled) older than this are deleted with their attempts; 0 keeps them. */
    retentionDays: number;
  };
  /** GET /metrics: public when token is null, else it requires `authorization: Bearer <token>`. */
  metrics: { token: string | null };
  /** Notification templates (seed 002). */
  templates: {
    /**
     * DEFAULT_LANGUAGE: the language of a template created without one, and the last step of the
     * planner's fallback (exact language → its primary subtag → this). Lower-cased.
     */
    defaultLanguage: string;
    /**
     * TEMPLATE_MAX_OUTPUT_CHARS / TEMPLATE_MAX_RENDER_WORK: what one render (subject or body) may
     * print and do; beyond either it stops at once (notif.template_too_large).
     */
    render: { outputChars: number; work: number };
  };
  smtp: {
    url: string | null;
    from: string;
    /** Senders a plugin may put in From besides SMTP_FROM's domain: addresses, "@domain", or "*". */
    allowedSenders: string[];
  };
}

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

type Env = Record<string, string | undefined>;

/** Collects problems instead of stopping at the first one. */
class EnvReader {
  readonly problems: string[] = [];

  constructor(private readonly env: Env) {}

  raw(name: string): string | undefined {
    const value = this.env[name];
    return value === undefined || value.trim() === '' ? undefined : value.trim();
  }

  string(name: string, fallback: string): string {
    return this.raw(name) ?? fallback;
  }

  optional(name: string): string | null {
    return this.raw(name) ?? null;
  }

  int(name: string, fallback: number, min: number, max: number): number {
    const value = this.raw(name);
    if (value === undefined) return fallback;
    const n = Number(value);
    if (!/^-?\d+$/.test(value) || !Number.isSafeInteger(n) || n < min || n > max) {
      this.problems.push(`${name}: must be an integer between ${min} and ${max}, got "${value}"`);
      return fallback;
    }
    return n;
  }

  oneOf<T extends string>(name: string, allowed: readonly T[], fallback: T): T {
    const value = this.raw(name);
    if (value === undefined) return fallback;
    if (!(allowed as readonly string[]).includes(value)) {
      this.problems.push(`${name}: must be one of ${allowed.join(', ')}, got "${value}"`);
      return fallback;
    }
    return value as T;
  }

  /** A comma-separated list of durations ("5s,30s,2m,1h" or plain milliseconds), each 0 < d ≤ 7 days. */
  durations(name: string, fallback: string): number[] {
    const value = this.raw(name) ?? fallback;
    const parts = value.split(',').map((p) => p.trim());
    const parsed = parts.map(parseDuration);
    if (parsed.some((ms) => ms === null || ms <= 0 || ms > 7 * 24 * 3_600_000) || parts.length > 100) {
      this.problems.push(`${name}: must be a comma-separated list of durations such as "5s,30s,2m,1h" (each above 0 and at most 7d, at most 100), got "${value}"`);
      return fallback.split(',').map((p) => parseDuration(p)!);
    }
    return parsed as number[];
  }

  check(name: string, ok: boolean, message: string): void {
    if (!ok) this.problems.push(`${name}: ${message}`);
  }
}

const MB = 1024 * 1024;

/** Seed 003's retry rhythm: close to 5 s, 30 s, 2 min, 10 min, 30 min, 1 h, 3 h, 6 h, then dead. */
const DEFAULT_RETRY_SCHEDULE = '5s,30s,2m,10m,30m,1h,3h,6h';
const DURATION_UNITS: Record<string, number> = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 };

function parseDuration(text: string): number | null {
  const match = /^(\d+(?:\.\d+)?)(ms|s|m|h|d)?$/.exec(text);
  if (!match) return null;
  return Math.round(Number(match[1]) * DURATION_UNITS[match[2] ?? 'ms']);
}

/** BCP 47-ish, as the event catalog's `language` fields: "en", "vi", "zh-cn". */
export const LANGUAGE_TAG = /^[A-Za-z]{2,8}(-[A-Za-z0-9]{1,8})*$/;

/** SWITCHBOARD_SUPERVISED: `auto` looks for systemd's INVOCATION_ID or Kubernetes' KUBERNETES_SERVICE_HOST. */
export const SUPERVISED_SETTINGS = ['auto', '1', 'true', '0', 'false'] as const;

export function loadConfig(env: Env = process.env, cwd = process.cwd()): AppConfig {
  const r = new EnvReader(env);

  const nodeEnv = r.oneOf('NODE_ENV', NODE_ENVS, 'development');
  const databaseUrl = r.optional('DATABASE_URL');
  if (databaseUrl !== null) {
    r.check('DATABASE_URL', isPostgresUrl(databaseUrl), 'must be a postgres:// or postgresql:// URL');
  }
  const host = r.string('HOST', '0.0.0.0');
  r.check('HOST', isIP(host) !== 0 || host === 'localhost', `must be an IP address or "localhost", got "${host}"`);

  const jwtSecret = r.optional('JWT_SECRET');
  if (jwtSecret !== null) {
    r.check('JWT_SECRET', jwtSecret.length >= 32, 'must be at least 32 characters (HS256 wants a 256-bit key)');
  } else if (nodeEnv === 'production') {
    r.problems.push('JWT_SECRET: required when NODE_ENV=production (a generated development secret is never used in production)');
  }

  const secretsKey = r.optional('SECRETS_KEY');
  if (secretsKey !== null) {
    try {
      parseKeyring(secretsKey);
    } catch (err) {
      r.problems.push(`SECRETS_KEY: ${(err as Error).message}`);
    }
  } else if (nodeEnv === 'production' && databaseUrl !== null) {
    r.problems.push(
      'SECRETS_KEY: required when NODE_ENV=production with DATABASE_URL (every replica on the database must seal secrets with the same keys): ' +
        'SECRETS_KEY="k1:$(openssl rand -base64 32)"',
    );
  }

  const adminNotifyEmail = r.optional('ADMIN_NOTIFY_EMAIL');
  if (adminNotifyEmail !== null) {
    r.check('ADMIN_NOTIFY_EMAIL', /^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(adminNotifyEmail), `must be an email address, got "${adminNotifyEmail}"`);
  }
  const smtpUrl = r.optional('SMTP_URL');
  if (smtpUrl !== null) {
    r.check('SMTP_URL', /^smtps?:\/\/[^\s]+$/.test(smtpUrl), 'must be an smtp:// or smtps:// URL');
  }

  const metricsToken = r.optional('METRICS_TOKEN');
  if (metricsToken !== null) {
    r.check('METRICS_TOKEN', metricsToken.length >= 16 && /^[\x21-\x7e]+$/.test(metricsToken), 'must be at least 16 printable ASCII characters without spaces (it travels in a header)');
  }

  const defaultLanguage = r.string('DEFAULT_LANGUAGE', 'en').toLowerCase();
  r.check('DEFAULT_LANGUAGE', LANGUAGE_TAG.test(defaultLanguage), `must be a language tag such as "en", "vi" or "pt-br", got "${defaultLanguage}"`);

  const healthCron = r.string('HEALTH_CHECK_CRON', '*/5 * * * *');
  const cronCheck = validateCronExpression(healthCron);
  r.check('HEALTH_CHECK_CRON', cronCheck.valid, `must be a cron expression, got "${healthCron}"${cronCheck.error ? ` (${cronCheck.error.message})` : ''}`);
  const supervisedSetting = r.oneOf('SWITCHBOARD_SUPERVISED', SUPERVISED_SETTINGS, 'auto');
  const detectedSupervisor = r.raw('INVOCATION_ID') !== undefined ? 'systemd' : r.raw('KUBERNETES_SERVICE_HOST') !== undefined ? 'kubernetes' : null;
  const supervisor =
    supervisedSetting === 'auto' ? detectedSupervisor : ['1', 'true'].includes(supervisedSetting) ? 'SWITCHBOARD_SUPERVISED' : null;

  const config: AppConfig = {
    env: nodeEnv,
    role: r.oneOf('SWITCHBOARD_ROLE', ROLES, 'all'),
    host,
    grpc: {
      port: r.int('GRPC_PORT', 50051, 0, 65535),
      maxMessageBytes: r.int('GRPC_MAX_MESSAGE_BYTES', 4 * MB, 1024, 64 * MB),
      readTimeoutMs: r.int('GRPC_READ_TIMEOUT_MS', 30_000, 100, 600_000),
    },
    cors: { origins: corsOrigins(r, nodeEnv) },
    http: {
      port: r.int('HTTP_PORT', 3000, 0, 65535),
      maxBodyBytes: r.int('HTTP_MAX_BODY_BYTES', 1 * MB, 1024, 64 * MB),
    },
    graphql: { introspection: flag(r, 'GRAPHQL_INTROSPECTION', nodeEnv !== 'production') },
    database: {
      url: databaseUrl,
      poolSize: r.int('DATABASE_POOL_SIZE', 10, 1, 200),
      listen: flag(r, 'DATABASE_LISTEN', true),
      embedded: { engine: r.oneOf('EMBEDDED_DATABASE', EMBEDDED_ENGINES, 'auto'), rootRunsAs: r.string('EMBEDDED_POSTGRES_USER', 'nobody') },
    },
    dataDir: resolve(cwd, r.string('DATA_DIR', './data')),
    pluginsDir: resolve(cwd, r.string('PLUGINS_DIR', BUILTIN_PLUGINS_DIR)),
    jwt: { secret: jwtSecret, audience: r.optional('JWT_AUDIENCE'), issuer: r.optional('JWT_ISSUER'), maxLifetimeDays: r.int('JWT_MAX_LIFETIME_DAYS', 30, 1, 3_650) },
    secretsKey,
    adminNotifyEmail,
    logLevel: r.oneOf('LOG_LEVEL', LOG_LEVELS, nodeEnv === 'test' ? 'warn' : 'info'),
    shutdownTimeoutMs: r.int('SHUTDOWN_TIMEOUT_MS', 10_000, 0, 600_000),
    restart: { supervised: supervisor !== null, supervisor },
    plugins: {
      timeoutMs: r.int('PLUGIN_TIMEOUT_MS', 5_000, 10, 600_000),
      memoryBytes: r.int('PLUGIN_MEMORY_MB', 32, 4, 1024) * MB,
      stackBytes: r.int('PLUGIN_STACK_KB', 256, 32, 256) * 1024,
      maxResultBytes: r.int('PLUGIN_MAX_RESULT_BYTES', 1 * MB, 1024, 64 * MB),
      httpMaxResponseBytes: r.int('PLUGIN_HTTP_MAX_RESPONSE_BYTES', 5 * MB, 1024, 64 * MB),
      httpAllow: hostList(r.optional('PLUGIN_HTTP_ALLOW')),
      personalTargetAllow: hostList(r.optional('PERSONAL_TARGET_ALLOW')),
      workers: r.int('PLUGIN_WORKERS', 2, 1, 64),
      trustedBuiltins: flag(r, 'PLUGIN_TRUSTED_BUILTINS', true),
      scanIntervalMs: r.int('PLUGIN_SCAN_INTERVAL_MS', 10_000, 100, 3_600_000),
    },
    healthCheck: {
      cron: healthCron,
      // 32: 1,000 checks against 50 ms targets in ~3 s on 2 cores (docs/performance.md); 16 left the
      // sweep waiting on the network with the CPU half idle.
      concurrency: r.int('HEALTH_CHECK_CONCURRENCY', 32, 1, 256),
      timeoutMs: r.int('HEALTH_CHECK_TIMEOUT_MS', 5_000, 100, 120_000),
    },
    events: {
      maxBytes: r.int('EVENT_MAX_BYTES', 256 * 1024, 1024, 16 * MB),
      pollMs: r.int('OUTBOX_POLL_MS', 1_000, 10, 600_000),
      batchSize: r.int('OUTBOX_BATCH_SIZE', 200, 1, 5_000),
      maxAttempts: r.int('OUTBOX_MAX_ATTEMPTS', 10, 1, 1_000),
      retentionDays: r.int('OUTBOX_RETENTION_DAYS', 7, 0, 3_650),
    },
    delivery: {
      retryScheduleMs: r.durations('DELIVERY_RETRY_SCHEDULE', DEFAULT_RETRY_SCHEDULE),
      minRetryMs: r.int('DELIVERY_MIN_RETRY_MS', 1_000, 0, 3_600_000),
      concurrency: r.int('DELIVERY_CONCURRENCY', 64, 1, 4_096),
      channelConcurrency: r.int('DELIVERY_CHANNEL_CONCURRENCY', 16, 1, 4_096),
      bulkShare: r.int('DELIVERY_BULK_SHARE_PERCENT', 10, 0, 90) / 100,
      leaseMs: r.int('DELIVERY_LEASE_MS', 60_000, 1_000, 3_600_000),
      pollMs: r.int('DELIVERY_POLL_MS', 1_000, 10, 600_000),
      maxScheduleDays: r.int('MAX_SCHEDULE_DAYS', 365, 1, 3_650),
      retentionDays: r.int('NOTIFICATION_RETENTION_DAYS', 90, 0, 36_500),
    },
    metrics: { token: metricsToken },
    templates: {
      defaultLanguage,
      render: { outputChars: r.int('TEMPLATE_MAX_OUTPUT_CHARS', 256 * 1024, 1024, 16 * MB), work: r.int('TEMPLATE_MAX_RENDER_WORK', 200_000, 1_000, 100_000_000) },
    },
    smtp: {
      url: smtpUrl,
      from: r.string('SMTP_FROM', 'Switchboard <switchboard@localhost>'),
      allowedSenders: (r.optional('PLUGIN_MAIL_ALLOWED_SENDERS') ?? '').split(',').map((s) => s.trim().toLowerCase()).filter(Boolean),
    },
  };

  r.check(
    'DELIVERY_LEASE_MS',
    config.delivery.leaseMs >= config.plugins.timeoutMs + 1_000,
    `must be at least PLUGIN_TIMEOUT_MS + 1000 (${config.plugins.timeoutMs + 1_000}): a send still running when its lease ends may be sent again by another worker`,
  );
  if (r.problems.length > 0) throw new ConfigError(r.problems);
  return config;
}

const FLAG_VALUES = ['1', 'true', '0', 'false'] as const;

/** A boolean variable: `1`/`true` or `0`/`false`; unset: the fallback. */
function flag(r: EnvReader, name: string, fallback: boolean): boolean {
  return ['1', 'true'].includes(r.oneOf(name, FLAG_VALUES, fallback ? 'true' : 'false'));
}

/**
 * CORS_ORIGINS: comma-separated origins (`https://app.example.com`, `http://localhost:5173`) or
 * `*`. Unset: none in production (browsers on other origins are refused until an operator lists
 * them), `*` in development and test.
 */
function corsOrigins(r: EnvReader, nodeEnv: NodeEnv): string[] {
  const value = r.optional('CORS_ORIGINS');
  if (value === null) return nodeEnv === 'production' ? [] : ['*'];
  const origins = value.split(',').map((o) => o.trim()).filter(Boolean);
  const bad = origins.filter((o) => o !== '*' && !isOrigin(o));
  r.check('CORS_ORIGINS', bad.length === 0, `must be "*" or a comma-separated list of origins such as "https://app.example.com" (scheme, host and optional port; no path), got ${bad.map((b) => `"${b}"`).join(', ')}`);
  return bad.length === 0 ? origins : [];
}

function isOrigin(value: string): boolean {
  try {
    const url = new URL(value);
    return (url.protocol === 'http:' || url.protocol === 'https:') && url.origin === value.replace(/\/$/, '').toLowerCase() && !value.endsWith('/');
  } catch {
    return false;
  }
}

function isPostgresUrl(value: string): boolean {
  try {
    const url = new URL(value);
    return url.protocol === 'postgres:' || url.protocol === 'postgresql:';
  } catch {
    return false;
  }
}

export function runsApi(config: AppConfig): boolean {
  return config.role === 'api' || config.role === 'all';
}

export function runsWorker(config: AppConfig): boolean {
  return config.role === 'worker' || config.role === 'all';
}

/** A comma-separated host list (PLUGIN_HTTP_ALLOW, PERSONAL_TARGET_ALLOW), lower-cased; AddressGuard checks each entry. */
function hostList(value: string | null | undefined): string[] {
  return (value ?? '').split(',').map((h) => h.trim().toLowerCase()).filter(Boolean);
}
