import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { statSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { DIST_ROOT } from '../src/config/paths.js';
import type { ScratchDatabase } from '../src/common/database/scratch-database.js';
import { EventBus } from '../src/modules/events/event-bus.service.js';
import { appDatabase, type AppDatabase } from './support/app-database.js';
import { HttpTarget } from './support/fake-servers/http-target.js';
import { signedWith } from './support/webhook-signature.js';
import { GrpcTestClient } from './support/grpc-client.js';
import { graphql, http } from './support/http-client.js';
import { startTestApp, TEST_SECRETS_KEY, type TestApp } from './support/test-app.js';
import { freshTestDatabase } from './support/test-database.js';
import { waitFor } from './support/wait-for.js';

const run = promisify(execFile);
const key = (id: string): string => `${id}:${randomBytes(32).toString('base64')}`;

/**
 * Secrets at rest: plugin config secrets (every field its schema marks secret), recipients' own
 * webhook/chat URLs and signing secrets, in settings and in records, are stored sealed
 * (AES-256-GCM, `enc:v1:<key id>:…`): read back from every table of the database as text, none
 * of their bytes appear. Rows written before sealing are sealed at the next boot; a new current
 * key reseals everything at boot or with `npm run secrets:rotate`; a keyring that cannot open what
 * is stored refuses to boot, naming the key it lacks.
 */
describe('secrets at rest', () => {
  const webhookSecret = `whsec_${randomBytes(24).toString('base64')}`;
  const feishuSecret = `feishu-sign-${randomBytes(8).toString('hex')}`;
  const feishuToken = `bot-token-${randomBytes(8).toString('hex')}`;
  const personalToken = `personal-${randomBytes(8).toString('hex')}`;
  let target: HttpTarget;
  let database: ScratchDatabase;
  let personalSecret: string;
  let interfaceId: string;

  beforeAll(async () => {
    target = await HttpTarget.start();
    target.on('POST', '*', { status: 204 });
    database = await freshTestDatabase();
  });
  afterAll(async () => {
    await target?.close();
    await database?.drop();
  });

  const start = (env: Record<string, string> = {}) =>
    startTestApp({ PLUGIN_HTTP_ALLOW: target.hostPort, PERSONAL_TARGET_ALLOW: target.hostPort, DELIVERY_POLL_MS: '200', OUTBOX_POLL_MS: '200', ...env }, { database });
  const secrets = () => [webhookSecret, webhookSecret.slice('whsec_'.length), feishuSecret, feishuToken, personalToken, personalSecret, personalSecret.slice('whsec_'.length)];
  /** Every row of every table of the schema, as text: what a dump of the database would show. */
  const everyRow = async (db: AppDatabase): Promise<string> => {
    const tables = await db.query<{ name: string }>(`SELECT quote_ident(table_name) AS name FROM information_schema.tables WHERE table_schema = 'public' AND table_type = 'BASE TABLE'`);
    const texts: string[] = [];
    for (const { name } of tables.rows) texts.push(...(await db.query<{ row: string }>(`SELECT t::text AS row FROM ${name} t`)).rows.map((r) => r.row));
    return texts.join('\n');
  };
  const expectNoSecretIn = async (db: AppDatabase) => {
    const dump = await everyRow(db);
    expect(dump).toContain('enc:v1:');
    for (const secret of secrets()) expect(dump).not.toContain(secret);
  };
  const sealedWith = async (db: AppDatabase): Promise<string[]> => {
    const dump = await everyRow(db);
    return [...new Set([...dump.matchAll(/enc:v1:([A-Za-z0-9_-]+):/g)].map((m) => m[1]))].sort();
  };
  const verifies = signedWith;
  /** A ticket_replied for u-bob (to the operator's /ops) and one for u-ann (to her own endpoint). */
  const deliver = async (app: TestApp, n: number) => {
    target.requests.length = 0;
    const bus = app.running.app.get(EventBus);
    for (const user of ['bob', 'ann']) {
      await bus.publish({ eventType: 'ticket_replied', data: { ticket_id: `T-${n}-${user}`, subject: 'Disk full', creator_email: `${user}@example.test`, creator_user_id: `u-${user}` } });
    }
    const ops = await waitFor(async () => target.requests.find((r) => r.method === 'POST' && r.path === '/ops'));
    const mine = await waitFor(async () => target.requests.find((r) => r.method === 'POST' && r.path.startsWith(`/mine/${personalToken}`)));
    return { ops, mine };
  };

  it('stores every secret sealed: no byte of them is in any table, and deliveries still sign with them', async () => {
    const app = await start();
    try {
      const client = new GrpcTestClient(app.grpcAddress);
      const plugins = await graphql(app.httpUrl, '{ plugins { id pluginType pluginId } }', {}, app.tokens.admin);
      const defOf = (id: string) => (plugins.body.data.plugins as { id: string; pluginType: string; pluginId: string }[]).find((p) => `${p.pluginType}/${p.pluginId}` === id)!.id;
      const create = async (plugin: string, name: string, config: Record<string, unknown>) => {
        const result = await client.call<{ interface: { id: string } }>('IntegrationService', 'CreatePluginInterface', { plugin_def_id: defOf(plugin), display_name: name, config_json: JSON.stringify(config) }, app.tokens.admin);
        if (result.error) throw new Error(result.error.message);
        return result.response!.interface.id;
      };
      interfaceId = await create('notifier/webhook', 'Ops', { url: target.url('/ops'), secret: webhookSecret, events: ['ticket_replied'] });
      await create('notifier/feishu', 'Group', { webhook_url: target.url(`/hook/${feishuToken}`), secret: feishuSecret, events: ['order_paid'] });
      const ann = await app.tokens.sign({ sub: 'u-ann', role: 'user' });
      const saved = await http(app.httpUrl, 'PUT', '/me/notification-settings', { token: ann, body: { channels: [{ channel: 'webhook', target: target.url(`/mine/${personalToken}`) }] } });
      personalSecret = saved.body.data.channels[0].signing_secret as string;
      client.close();

      const { ops, mine } = await deliver(app, 1);
      expect(verifies(ops, webhookSecret)).toBe(true);
      expect(verifies(mine, personalSecret)).toBe(true);
      const db = appDatabase(app);
      await waitFor(async () => (await db.query(`SELECT 1 FROM notification_records WHERE status = 'sent'`)).rows.length === 2);
      await expectNoSecretIn(db);
      expect(await sealedWith(db)).toEqual(['test']);
      // Answers mask them as before: the API never shows a sealed value either.
      const read = await graphql(app.httpUrl, `query($id: ID!) { pluginInterface(id: $id) { config } }`, { id: interfaceId }, app.tokens.admin);
      expect(read.body.data.pluginInterface.config).toMatchObject({ secret: '********', url: target.url('/ops') });
    } finally {
      await app.close();
    }
  });

  it('seals at the next boot what was stored in plain text before, and delivers with it', async () => {
    // As a server before sealing existed left them (written through a running app: PGlite is one session).
    const before = await start();
    const db = appDatabase(before);
    await db.query(`UPDATE plugin_interfaces SET config = jsonb_set(config, '{secret}', to_jsonb($2::text)) WHERE id = $1`, [interfaceId, webhookSecret]);
    await db.query(`UPDATE notification_settings SET channels = jsonb_build_array(jsonb_build_object('channel', 'webhook', 'enabled', true, 'target', $1::text, 'secret', $2::text))`, [target.url(`/mine/${personalToken}`), personalSecret]);
    await db.query(`UPDATE notification_records SET target = $1, target_secret = $2 WHERE target IS NOT NULL`, [target.url(`/mine/${personalToken}`), personalSecret]);
    await db.query('UPDATE secrets_at_rest SET key_id = NULL');
    expect(await everyRow(db)).toContain(webhookSecret);
    await before.close();

    const app = await start();
    try {
      await expectNoSecretIn(appDatabase(app));
      const { ops, mine } = await deliver(app, 2);
      expect(verifies(ops, webhookSecret)).toBe(true);
      expect(verifies(mine, personalSecret)).toBe(true);
    } finally {
      await app.close();
    }
  });

  it('rotates: a new current key reseals everything at boot, secrets:rotate does it on demand, and a keyring without the stored key refuses to boot', async () => {
    const k2 = key('k2');
    const app = await start({ SECRETS_KEY: `${k2},${TEST_SECRETS_KEY}` });
    try {
      expect(await sealedWith(appDatabase(app))).toEqual(['k2']);
      await expectNoSecretIn(appDatabase(app));
    } finally {
      await app.close();
    }
    const onlyNew = await start({ SECRETS_KEY: k2 });
    try {
      const { ops } = await deliver(onlyNew, 3);
      expect(verifies(ops, webhookSecret)).toBe(true);
    } finally {
      await onlyNew.close();
    }

    const k3 = key('k3');
    const cli = await run(process.execPath, [join(DIST_ROOT, 'src', 'cli', 'secrets-rotate.js')], {
      env: { PATH: process.env.PATH ?? '', DATABASE_URL: database.url, SECRETS_KEY: `${k3},${k2}`, DATA_DIR: join(DIST_ROOT, 'no-data-dir') },
    });
    expect(cli.stdout).toContain('sealed with key "k3"');
    expect(cli.stdout).toMatch(/plugin_interfaces\.config \(secret fields\): [1-9]\d* row\(s\) rewritten/);
    const after = await start({ SECRETS_KEY: k3 });
    try {
      expect(await sealedWith(appDatabase(after))).toEqual(['k3']);
    } finally {
      await after.close();
    }

    await expect(start({ SECRETS_KEY: key('other') })).rejects.toThrow(/sealed with key "k3", which SECRETS_KEY does not hold/);
    await expect(start({ SECRETS_KEY: 'k9:short' })).rejects.toThrow(/SECRETS_KEY: key "k9" must be the base64 of 32 random bytes/);
  });

  it('without SECRETS_KEY, generates a key in the data directory, readable by its owner only', async () => {
    const app = await startTestApp({ SECRETS_KEY: '' });
    try {
      const file = join(app.config.dataDir, 'secrets-key');
      expect(statSync(file).mode & 0o777).toBe(0o600);
    } finally {
      await app.close();
    }
  });
});
