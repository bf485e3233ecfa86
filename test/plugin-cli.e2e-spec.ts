import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BUILTIN_PLUGINS_DIR, DIST_ROOT } from '../src/config/paths.js';
import { spawnApp } from './support/spawn-app.js';

const CLI = join(DIST_ROOT, 'src', 'cli', 'plugin.js');

async function run(args: string[], env: Record<string, string> = {}) {
  const child = spawnApp(env, CLI, args);
  const code = await child.exited;
  return { code, stdout: child.stdout(), stderr: child.stderr() };
}

describe('npm run plugin (author CLI)', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'plugin-cli-'));
    mkdirSync(join(dir, 'notifier'));
    writeFileSync(join(dir, 'notifier', 'half.js'), 'function config_schema() { return {}; }\nfunction health_check() { return { healthy: true }; }');
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('check: a valid script prints what it found', async () => {
    const { code, stdout } = await run(['check', join(BUILTIN_PLUGINS_DIR, 'notifier', 'webhook.js')]);
    expect(code).toBe(0);
    expect(stdout).toMatch(/^notifier\/webhook: valid$/m);
    expect(stdout).toMatch(/channel: +webhook/);
    expect(stdout).toMatch(/functions: .*send/);
  });

  it('check: an invalid script exits 1 with the reason', async () => {
    const { code, stdout } = await run(['check', join(dir, 'notifier', 'half.js')]);
    expect(code).toBe(1);
    expect(stdout).toContain('reason:     missing required functions for a notifier: channel, supported_events, send');
  });

  it('call: runs one function in the sandbox and prints the result as JSON', async () => {
    const { code, stdout } = await run([
      'call',
      join(BUILTIN_PLUGINS_DIR, 'gateway', 'bank_transfer.js'),
      'create_payment',
      '--config',
      JSON.stringify({ bank_name: 'Example Bank', account_name: 'Example Ltd', account_number: '123-456' }),
      '--params',
      JSON.stringify({ order_id: 'o-42', amount: '12.50', currency: 'USD', subject: 'VPS' }),
    ]);
    expect(code).toBe(0);
    const result = JSON.parse(stdout);
    expect(result.instructions).toContain('123-456');
    expect(result.instructions).toContain('12.50');
  });

  it('call: a config violating config_schema() is refused with the path', async () => {
    const { code, stderr } = await run(['call', join(BUILTIN_PLUGINS_DIR, 'gateway', 'yipay.js'), 'create_payment', '--config', '{"api_url": 5}']);
    expect(code).toBe(1);
    expect(stderr).toMatch(/^plugins\.invalid_config: .*config\.api_url/m);
  });

  it('call: malformed JSON is a clear error', async () => {
    const { code, stderr } = await run(['call', join(BUILTIN_PLUGINS_DIR, 'gateway', 'yipay.js'), 'create_payment', '--config', '{oops']);
    expect(code).toBe(1);
    expect(stderr).toMatch(/--config: is not valid JSON/);
  });
});
