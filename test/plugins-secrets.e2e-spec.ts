import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AppError } from '../src/common/errors/app-error.js';
import { PluginRuntime } from '../src/modules/plugins/plugin-runtime.service.js';
import { graphql } from './support/http-client.js';
import { LogCapture } from './support/log-capture.js';
import { startTestApp, type TestApp } from './support/test-app.js';

/**
 * A plugin that tries to leak its interface's secrets every way a script can: in its error's
 * message, name and code, in its result, in log messages and fields — with secrets that contain
 * quotes, backslashes, newlines, non-ASCII, JSON literals, or are very short. None reaches the
 * caller or the log.
 */
const LEAKY = `
function config_schema() {
  return {
    type: "object",
    properties: {
      key: { type: "string", writeOnly: true },
      nested: { anyOf: [{ type: "object", properties: { token: { type: "string", format: "password" } } }, { type: "null" }] },
      extra: { type: "object", additionalProperties: { type: "string", writeOnly: true } },
    },
  };
}
function health_check() { return { healthy: true }; }
function create_payment() { return { instructions: "x" }; }
function verify_callback() { return { valid: false }; }
function admin_throw(config) {
  const e = new Error("failed with " + config.key + " and " + config.nested.token);
  e.name = "Leak " + config.extra.pin;
  e.code = config.key;
  throw e;
}
function admin_result(config) { return { echoed: config.key, inside: [config.nested.token, { [config.extra.pin]: config.extra.json }] }; }
function admin_log(config) {
  log.info("key=" + config.key, { key: config.key, deep: { token: config.nested.token, pin: config.extra.pin, json: config.extra.json } });
  console.log(config.key, config.nested.token);
  return "logged";
}
`;

const SECRETS = {
  key: 'sk_"quoted"\\back\\slash\nnew-line-ünïcødé',
  token: '-----BEGIN KEY-----\nMIIB"x"\\y\n-----END KEY-----',
  pin: '7q',
  json: 'null',
};

describe('plugin secrets never leak, whatever they contain', () => {
  let app: TestApp;
  let dir: string;
  let pluginId: string;
  const logs = new LogCapture();
  const config = { key: SECRETS.key, nested: { token: SECRETS.token }, extra: { pin: SECRETS.pin, json: SECRETS.json } };
  const call = (fn: string) => app.running.app.get(PluginRuntime).call({ pluginDefId: pluginId, interfaceId: '0192a123-0000-7000-8000-00000000cafe', fn, config });

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'switchboard-secrets-'));
    mkdirSync(join(dir, 'gateway'));
    writeFileSync(join(dir, 'gateway', 'leaky.js'), LEAKY);
    app = await startTestApp({ PLUGINS_DIR: dir }, { logs });
    const res = await graphql(app.httpUrl, '{ plugins { id pluginId valid invalidReason } }', {}, app.tokens.admin);
    const plugin = (res.body.data.plugins as { id: string; pluginId: string; valid: boolean }[]).find((p) => p.pluginId === 'leaky')!;
    expect(plugin).toMatchObject({ valid: true });
    pluginId = plugin.id;
  });
  afterAll(async () => {
    await app?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const leaked = (text: string) => Object.values(SECRETS).filter((secret) => secret !== 'null' && text.includes(secret));

  it('masks them in the error message and in every detail', async () => {
    const error = await call('admin_throw').then(
      () => null,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(AppError);
    const visible = JSON.stringify({ message: (error as AppError).message, details: (error as AppError).details });
    expect(leaked(visible)).toEqual([]);
    expect((error as AppError).details).toMatchObject({ code: '********', name: 'Leak ********' });
  });

  it('masks them in the result, keys included', async () => {
    const result = await call('admin_result');
    expect(leaked(JSON.stringify(result))).toEqual([]);
    expect(result).toEqual({ echoed: '********', inside: ['********', { '********': expect.any(String) }] });
  });

  it('masks them in log messages and fields, and never drops the line', async () => {
    await expect(call('admin_log')).resolves.toBe('logged');
    const line = logs.lines.find((l) => typeof l.msg === 'string' && l.msg.startsWith('key='));
    expect(line).toBeDefined();
    expect(line!.msg).toBe('key=********');
    expect(logs.lines.some((l) => l.msg === '******** ********')).toBe(true);
    expect(leaked(logs.text())).toEqual([]);
  });
});
