import { ConfigError, loadConfig } from './app-config.js';

describe('loadConfig', () => {
  it('has working defaults for a fresh machine (embedded database, all roles)', () => {
    const config = loadConfig({}, '/srv/app');
    expect(config).toMatchObject({
      env: 'development',
      role: 'all',
      grpc: { port: 50051 },
      http: { port: 3000 },
      database: { url: null },
      dataDir: '/srv/app/data',
      jwt: { secret: null },
      logLevel: 'info',
      plugins: { timeoutMs: 5000, memoryBytes: 32 * 1024 * 1024, stackBytes: 256 * 1024, maxResultBytes: 1024 * 1024 },
    });
  });

  it('reads every documented variable', () => {
    const config = loadConfig(
      {
        NODE_ENV: 'production',
        DATABASE_URL: 'postgres://u:p@db:5432/switchboard',
        GRPC_PORT: '6000',
        HTTP_PORT: '8080',
        JWT_SECRET: 'x'.repeat(40),
        SWITCHBOARD_ROLE: 'worker',
        PLUGINS_DIR: '/opt/plugins',
        ADMIN_NOTIFY_EMAIL: 'ops@example.com',
        LOG_LEVEL: 'debug',
        DATA_DIR: '/var/lib/switchboard',
        PLUGIN_HTTP_ALLOW: 'Billing.Internal:8443, 10.0.0.5',
        PERSONAL_TARGET_ALLOW: 'Hooks.Internal',
        SECRETS_KEY: `k1:${Buffer.alloc(32, 3).toString('base64')}`,
      },
      '/srv/app',
    );
    expect(config).toMatchObject({
      env: 'production',
      role: 'worker',
      grpc: { port: 6000 },
      http: { port: 8080 },
      database: { url: 'postgres://u:p@db:5432/switchboard' },
      pluginsDir: '/opt/plugins',
      adminNotifyEmail: 'ops@example.com',
      logLevel: 'debug',
      dataDir: '/var/lib/switchboard',
      plugins: { httpAllow: ['billing.internal:8443', '10.0.0.5'], personalTargetAllow: ['hooks.internal'] },
      secretsKey: `k1:${Buffer.alloc(32, 3).toString('base64')}`,
    });
  });

  it('lists every bad variable at once', () => {
    let error: unknown;
    try {
      loadConfig({ GRPC_PORT: '99999', HTTP_PORT: 'http', SWITCHBOARD_ROLE: 'both', LOG_LEVEL: 'chatty', DATABASE_URL: 'not a url', JWT_SECRET: 'short' });
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const problems = (error as ConfigError).problems;
    expect(problems.map((p) => p.split(':')[0])).toEqual(['DATABASE_URL', 'JWT_SECRET', 'SWITCHBOARD_ROLE', 'GRPC_PORT', 'HTTP_PORT', 'LOG_LEVEL']);
    expect((error as ConfigError).message).toContain('GRPC_PORT: must be an integer between 0 and 65535, got "99999"');
  });

  it('reads the health cron: every 5 minutes by default; a bad expression or bound is reported', () => {
    expect(loadConfig({}, '/srv/app').healthCheck).toEqual({ cron: '*/5 * * * *', concurrency: 32, timeoutMs: 5_000 });
    expect(loadConfig({ HEALTH_CHECK_CRON: '*/2 * * * * *', HEALTH_CHECK_CONCURRENCY: '4', HEALTH_CHECK_TIMEOUT_MS: '750' }, '/srv/app').healthCheck).toEqual({
      cron: '*/2 * * * * *',
      concurrency: 4,
      timeoutMs: 750,
    });
    let problems: string[] = [];
    try {
      loadConfig({ HEALTH_CHECK_CRON: 'every five minutes', HEALTH_CHECK_CONCURRENCY: '0' }, '/srv/app');
    } catch (err) {
      problems = (err as ConfigError).problems;
    }
    expect(problems.map((p) => p.split(':')[0])).toEqual(['HEALTH_CHECK_CRON', 'HEALTH_CHECK_CONCURRENCY']);
  });

  it('reads CORS_ORIGINS: none in production, * elsewhere by default; exact origins or *, anything else reported', () => {
    const secret = { JWT_SECRET: 'x'.repeat(32) };
    expect(loadConfig({ NODE_ENV: 'production', ...secret }, '/srv/app').cors.origins).toEqual([]);
    expect(loadConfig({ NODE_ENV: 'development' }, '/srv/app').cors.origins).toEqual(['*']);
    expect(loadConfig({ NODE_ENV: 'test' }, '/srv/app').cors.origins).toEqual(['*']);
    expect(loadConfig({ NODE_ENV: 'production', ...secret, CORS_ORIGINS: 'https://billing.example.com, http://localhost:5173' }, '/srv/app').cors.origins).toEqual([
      'https://billing.example.com',
      'http://localhost:5173',
    ]);
    expect(loadConfig({ NODE_ENV: 'production', ...secret, CORS_ORIGINS: '*' }, '/srv/app').cors.origins).toEqual(['*']);
    expect(() => loadConfig({ CORS_ORIGINS: 'https://ok.example,billing.example.com,https://x.example/path,ftp://y.example' }, '/srv/app')).toThrow(
      /CORS_ORIGINS: .*"billing\.example\.com", "https:\/\/x\.example\/path", "ftp:\/\/y\.example"/,
    );
    expect(loadConfig({}, '/srv/app').grpc.readTimeoutMs).toBe(30_000);
    expect(loadConfig({ GRPC_READ_TIMEOUT_MS: '750' }, '/srv/app').grpc.readTimeoutMs).toBe(750);
  });

  it('reads METRICS_TOKEN: unset means public metrics; a set one must be 16+ printable characters', () => {
    expect(loadConfig({}).metrics).toEqual({ token: null });
    expect(loadConfig({ METRICS_TOKEN: 'scrape-token-0123456789' }).metrics).toEqual({ token: 'scrape-token-0123456789' });
    expect(() => loadConfig({ METRICS_TOKEN: 'short' })).toThrow(/METRICS_TOKEN: must be at least 16/);
    expect(() => loadConfig({ METRICS_TOKEN: 'has a space in it, sadly' })).toThrow(/METRICS_TOKEN/);
  });

  it('reads DATABASE_LISTEN (on by default) and NOTIFICATION_RETENTION_DAYS (90 by default, 0 keeps records)', () => {
    expect(loadConfig({}, '/srv/app').database.listen).toBe(true);
    expect(loadConfig({ DATABASE_LISTEN: 'false' }, '/srv/app').database.listen).toBe(false);
    expect(loadConfig({ DATABASE_LISTEN: '0' }, '/srv/app').database.listen).toBe(false);
    expect(() => loadConfig({ DATABASE_LISTEN: 'maybe' }, '/srv/app')).toThrow(/DATABASE_LISTEN/);
    expect(loadConfig({}, '/srv/app').delivery.retentionDays).toBe(90);
    expect(loadConfig({ NOTIFICATION_RETENTION_DAYS: '0' }, '/srv/app').delivery.retentionDays).toBe(0);
    expect(() => loadConfig({ NOTIFICATION_RETENTION_DAYS: '-1' }, '/srv/app')).toThrow(/NOTIFICATION_RETENTION_DAYS/);
  });


  it('reads GRAPHQL_INTROSPECTION: on by default in development and test, off by default in production, either way when set', () => {
    const secret = { JWT_SECRET: 'x'.repeat(40) };
    expect(loadConfig({}, '/srv/app').graphql.introspection).toBe(true);
    expect(loadConfig({ NODE_ENV: 'test' }, '/srv/app').graphql.introspection).toBe(true);
    expect(loadConfig({ NODE_ENV: 'production', ...secret }, '/srv/app').graphql.introspection).toBe(false);
    expect(loadConfig({ NODE_ENV: 'production', GRAPHQL_INTROSPECTION: 'true', ...secret }, '/srv/app').graphql.introspection).toBe(true);
    expect(loadConfig({ NODE_ENV: 'production', GRAPHQL_INTROSPECTION: '1', ...secret }, '/srv/app').graphql.introspection).toBe(true);
    expect(loadConfig({ GRAPHQL_INTROSPECTION: 'false' }, '/srv/app').graphql.introspection).toBe(false);
    expect(loadConfig({ GRAPHQL_INTROSPECTION: '0' }, '/srv/app').graphql.introspection).toBe(false);
    expect(() => loadConfig({ GRAPHQL_INTROSPECTION: 'admin' }, '/srv/app')).toThrow('GRAPHQL_INTROSPECTION: must be one of 1, true, 0, false, got "admin"');
  });
  it('reads MAX_SCHEDULE_DAYS: 365 by default, 1 to 3650', () => {
    expect(loadConfig({}, '/srv/app').delivery.maxScheduleDays).toBe(365);
    expect(loadConfig({ MAX_SCHEDULE_DAYS: '30' }, '/srv/app').delivery.maxScheduleDays).toBe(30);
    expect(() => loadConfig({ MAX_SCHEDULE_DAYS: '0' }, '/srv/app')).toThrow(/MAX_SCHEDULE_DAYS/);
  });

  it('reads DEFAULT_LANGUAGE: en by default, lower-cased; a bad tag is reported', () => {
    expect(loadConfig({}).templates.defaultLanguage).toBe('en');
    expect(loadConfig({ DEFAULT_LANGUAGE: 'pt-BR' }).templates.defaultLanguage).toBe('pt-br');
    let problems: string[] = [];
    try {
      loadConfig({ DEFAULT_LANGUAGE: 'english!' });
    } catch (err) {
      problems = (err as ConfigError).problems;
    }
    expect(problems).toEqual([expect.stringMatching(/^DEFAULT_LANGUAGE: must be a language tag/)]);
  });

  it('requires JWT_SECRET in production', () => {
    expect(() => loadConfig({ NODE_ENV: 'production' })).toThrow(/JWT_SECRET: required when NODE_ENV=production/);
  });

  it('caps the plugin stack at 256 KB (larger corrupts the shared WASM module)', () => {
    expect(() => loadConfig({ PLUGIN_STACK_KB: '512' })).toThrow(/PLUGIN_STACK_KB/);
  });

  it('knows whether a process manager restarts it: SWITCHBOARD_SUPERVISED, else systemd or Kubernetes', () => {
    expect(loadConfig({}).restart).toEqual({ supervised: false, supervisor: null });
    expect(loadConfig({ INVOCATION_ID: 'abc123' }).restart).toEqual({ supervised: true, supervisor: 'systemd' });
    expect(loadConfig({ KUBERNETES_SERVICE_HOST: '10.0.0.1' }).restart).toEqual({ supervised: true, supervisor: 'kubernetes' });
    expect(loadConfig({ SWITCHBOARD_SUPERVISED: '1' }).restart).toEqual({ supervised: true, supervisor: 'SWITCHBOARD_SUPERVISED' });
    expect(loadConfig({ SWITCHBOARD_SUPERVISED: 'true' }).restart.supervised).toBe(true);
    // an explicit 0 wins over what the environment suggests (e.g. a systemd unit with Restart=no)
    expect(loadConfig({ SWITCHBOARD_SUPERVISED: '0', INVOCATION_ID: 'abc123' }).restart).toEqual({ supervised: false, supervisor: null });
    expect(() => loadConfig({ SWITCHBOARD_SUPERVISED: 'yes' })).toThrow(/SWITCHBOARD_SUPERVISED: must be one of auto, 1, true, 0, false/);
  });
});
