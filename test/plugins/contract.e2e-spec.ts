import { readdirSync, readFileSync } from 'node:fs';
import vm from 'node:vm';
import { Ajv } from 'ajv';
import * as addFormatsModule from 'ajv-formats';
import {
  isOptionalFunction,
  isPluginType,
  NOTIFIER_CHANNELS,
  PLUGIN_ID_PATTERN,
  REQUIRED_FUNCTIONS,
  SEMVER_PATTERN,
  type PluginType,
} from '../../src/modules/plugins/plugin-contract.js';
import { loadPlugin } from '../support/plugin-harness.js';

// ajv-formats is CommonJS with `exports.default` (see src/modules/plugins/json-schema.ts).
type AddFormats = (ajv: Ajv) => Ajv;
const formatsExport = (addFormatsModule as unknown as { default: AddFormats | { default: AddFormats } }).default;
const addFormats: AddFormats = typeof formatsExport === 'function' ? formatsExport : formatsExport.default;

/** Compiled specs run from dist/test/plugins/: the repository root is three levels up. */
const PLUGINS_DIR = new URL('../../../plugins/', import.meta.url);

const builtins = readdirSync(PLUGINS_DIR, { withFileTypes: true })
  .filter((entry) => entry.isDirectory() && isPluginType(entry.name))
  .flatMap((dir) =>
    readdirSync(new URL(`${dir.name}/`, PLUGINS_DIR))
      .filter((file) => file.endsWith('.js'))
      .map((file) => ({ type: dir.name as PluginType, id: file.slice(0, -3), file: `${dir.name}/${file}` })),
  );

/** Secrets each built-in must mark writeOnly / format password, so APIs mask them. */
const SECRETS: Record<string, string[]> = {
  'notifier/webhook.js': ['secret'],
  'notifier/email.js': [],
  'notifier/feishu.js': ['webhook_url', 'secret'],
  'gateway/bank_transfer.js': [],
  'gateway/yipay.js': ['key'],
  'first_party_provider/incus.js': ['token'],
  'upstream_provider/reseller.js': ['api_key'],
};
const CHANNELS: Record<string, string> = { webhook: 'webhook', email: 'email', feishu: 'chat' };

/**
 * Top-level functions as the sandbox sees them (function declarations become properties of the
 * global object; const/let bindings do not), found independently of the sandbox with node:vm.
 * Host globals are stubs: loading a script must not call them.
 */
function topLevelFunctions(source: string, file: string): string[] {
  const refuse = () => {
    throw new Error('host API used at load time');
  };
  const context = vm.createContext({ http: { request: refuse }, mail: { send: refuse }, crypto: {}, log: {}, now: refuse, console: {} });
  const before = new Set(Object.getOwnPropertyNames(context));
  vm.runInContext(source, context, { filename: file });
  return Object.getOwnPropertyNames(context).filter((name) => !before.has(name) && typeof (context as Record<string, unknown>)[name] === 'function');
}

describe('built-in plugins honour the plugin contract', () => {
  it('there are the seven built-ins, each with a valid plugin id', () => {
    expect(builtins.map((b) => b.file).sort()).toEqual(Object.keys(SECRETS).sort());
    for (const b of builtins) expect(b.id).toMatch(PLUGIN_ID_PATTERN);
  });

  describe.each(builtins)('$file', ({ type, id, file }) => {
    const source = readFileSync(new URL(file, PLUGINS_DIR), 'utf8');

    it('defines every function its type requires, and no other top-level functions but version/admin_*', () => {
      const functions = topLevelFunctions(source, file);
      for (const fn of REQUIRED_FUNCTIONS[type]) expect(functions).toContain(fn);
      const extra = functions.filter((fn) => !REQUIRED_FUNCTIONS[type].includes(fn) && !isOptionalFunction(fn));
      expect(extra).toEqual([]);
      expect(functions).toContain('version');
    });

    it('starts with a header comment pointing at its target\'s docs and saying what it does not do', () => {
      expect(source.startsWith('/**')).toBe(true);
      const header = source.slice(0, source.indexOf('*/'));
      expect(header).toMatch(/https?:\/\/|docs\/builtin-plugins\.md/);
      expect(header).toContain('Deliberately not done here');
    });

    it('answers version() with semver, config_schema() with a schema ajv compiles, and marks its secrets', async () => {
      const plugin = await loadPlugin(file);
      try {
        expect(await plugin.call('version', {})).toMatch(SEMVER_PATTERN);
        const schema = await plugin.call('config_schema', {});
        expect(schema).toMatchObject({ type: 'object', title: expect.any(String), properties: expect.any(Object) });
        const ajv = new Ajv({ strict: false });
        addFormats(ajv);
        expect(() => ajv.compile(schema)).not.toThrow();
        const properties = schema.properties as Record<string, { title?: string; writeOnly?: boolean; format?: string }>;
        for (const [name, property] of Object.entries(properties)) expect([name, typeof property.title]).toEqual([name, 'string']);
        for (const secret of SECRETS[file]) {
          const property = properties[secret];
          expect([secret, property.writeOnly === true || property.format === 'password']).toEqual([secret, true]);
        }
        if (type === 'notifier') {
          const channel = await plugin.call('channel', {});
          expect(NOTIFIER_CHANNELS).toContain(channel);
          expect(channel).toBe(CHANNELS[id]);
          const events = await plugin.call('supported_events', {});
          expect(events).toEqual(expect.arrayContaining(['order_paid', 'order_provisioned', 'order_cancelled', 'ticket_assigned', 'ticket_replied', 'test']));
        }
      } finally {
        await plugin.close();
      }
    });

    it('health_check on an empty config answers unhealthy instead of throwing', async () => {
      const plugin = await loadPlugin(file);
      try {
        const result = await plugin.call('health_check', {});
        if (id === 'email') expect(result).toEqual({ healthy: true });
        else expect(result).toEqual({ healthy: false, error: expect.any(String) });
      } finally {
        await plugin.close();
      }
    });
  });
});
