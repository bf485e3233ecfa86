import { mkdirSync, mkdtempSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AppError } from '../src/common/errors/app-error.js';
import { PluginRuntime } from '../src/modules/plugins/plugin-runtime.service.js';
import { graphql } from './support/http-client.js';
import { startTestApp, type TestApp } from './support/test-app.js';
import { describeOnServer, freshTestDatabase } from './support/test-database.js';

const script = (answer: string) => `
function config_schema() { return { type: "object" }; }
function health_check() { return { healthy: true }; }
function create_payment() { return { instructions: "${answer}" }; }
function verify_callback() { return { valid: false }; }
`;

/**
 * Replicas share one database and the same plugin files. Whichever replica stores a new version
 * first, every replica's runtime must run it, and stop running a removed one. Two apps on one
 * database need a server: PGlite is a single session.
 */
await describeOnServer('plugins across replicas', () => {
  let dir: string;
  let database: Awaited<ReturnType<typeof freshTestDatabase>>;
  let replicas: TestApp[];

  const call = (app: TestApp, id: string) =>
    app.running.app
      .get(PluginRuntime)
      .call({ pluginDefId: id, fn: 'create_payment', config: {} })
      .then(
        (r) => r.instructions ?? '',
        (err: unknown) => (err instanceof AppError ? err.code : String(err)),
      );
  const waitFor = async (probe: () => Promise<boolean>) => {
    const deadline = Date.now() + 15_000;
    while (!(await probe())) {
      if (Date.now() > deadline) throw new Error('condition not met in time');
      await new Promise((r) => setTimeout(r, 100));
    }
  };

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'switchboard-replica-plugins-'));
    mkdirSync(join(dir, 'gateway'));
    writeFileSync(join(dir, 'gateway', 'shared.js'), script('v1'));
    database = await freshTestDatabase();
    replicas = await Promise.all([1, 2].map(() => startTestApp({ PLUGINS_DIR: dir }, { database })));
  });
  afterAll(async () => {
    await Promise.all((replicas ?? []).map((r) => r.close()));
    await database?.drop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('both replicas run the new version of a changed file, and neither runs a removed one', async () => {
    const res = await graphql(replicas[0].httpUrl, '{ plugins { id pluginId } }', {}, replicas[0].tokens.admin);
    const definitions = res.body.data.plugins as { id: string; pluginId: string }[];
    expect(definitions.filter((d) => d.pluginId === 'shared')).toHaveLength(1);
    const id = definitions.find((d) => d.pluginId === 'shared')!.id;
    expect(await Promise.all(replicas.map((r) => call(r, id)))).toEqual(['v1', 'v1']);

    writeFileSync(join(dir, 'gateway', 'shared.js'), script('v2'));
    await waitFor(async () => (await Promise.all(replicas.map((r) => call(r, id)))).every((a) => a === 'v2'));

    unlinkSync(join(dir, 'gateway', 'shared.js'));
    await waitFor(async () => (await Promise.all(replicas.map((r) => call(r, id)))).every((a) => a === 'plugins.invalid_plugin'));
  });
});
