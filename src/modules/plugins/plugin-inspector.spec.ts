import { JsonSchemaValidator } from './json-schema-validator.js';
import { jsonProblem, PluginInspector } from './plugin-inspector.js';
import { printable } from './printable.js';
import { SandboxPool } from './sandbox/sandbox-pool.js';

const HOST = {
  http: { defaultTimeoutMs: 1_000, maxTimeoutMs: 1_000, maxResponseBytes: 1_024, maxRequestBytes: 1_024, allow: [] },
  mail: { smtpUrl: null, from: 'x@example.test', timeoutMs: 1_000 },
};
const GATEWAY = `
function config_schema() { return { type: "object" }; }
function health_check() { return { healthy: true }; }
function create_payment() { return { instructions: "x" }; }
function verify_callback() { return { valid: false }; }
`;

function pool(timeoutMs = 200): SandboxPool {
  return new SandboxPool({
    limits: { timeoutMs, memoryBytes: 16 * 1024 * 1024, stackBytes: 256 * 1024, maxResultBytes: 64 * 1024 },
    host: HOST,
    logSink: () => undefined,
  });
}

describe('PluginInspector', () => {
  const schemas = new JsonSchemaValidator();
  let sandbox: SandboxPool;
  beforeEach(() => {
    // Roomy, so that a busy machine cannot turn a valid script into a timeout.
    sandbox = pool(3_000);
  });
  afterEach(() => sandbox.close());
  const inspect = (source: string) => new PluginInspector(sandbox, schemas).inspect('gateway', 'g', source);

  it('a valid script gets a valid verdict', async () => {
    await expect(inspect(GATEWAY)).resolves.toMatchObject({ kind: 'verdict', plugin: { valid: true, functions: ['config_schema', 'create_payment', 'health_check', 'verify_callback'] } });
  });

  it('a failing sandbox is not a verdict on the script', async () => {
    await sandbox.close();
    await expect(inspect(GATEWAY)).resolves.toEqual({ kind: 'retry', reason: expect.stringMatching(/sandbox closed/) });
  });

  it('a NUL byte makes the script invalid, stored without its text', async () => {
    const inspection = await inspect(`${GATEWAY}\n// \u0000`);
    expect(inspection).toMatchObject({ kind: 'verdict', plugin: { valid: false, source: '', invalidReason: expect.stringMatching(/NUL character at offset \d+/) } });
  });

  it('a top-level loop is judged after a second, longer run confirms it', async () => {
    const quick = pool(200);
    try {
      const inspection = await new PluginInspector(quick, schemas).inspect('gateway', 'g', `${GATEWAY}\nwhile (true) {}`);
      expect(inspection).toMatchObject({ kind: 'verdict', plugin: { valid: false, invalidReason: 'Plugin gateway/g: timed out while loading after 200 ms' } });
    } finally {
      await quick.close();
    }
  });

  it('control characters in a reason are escaped', async () => {
    const inspection = await inspect(`${GATEWAY}\nthrow "bad\\u0000\\u001b[31m";`);
    expect(inspection).toMatchObject({ kind: 'verdict', plugin: { valid: false, invalidReason: expect.stringContaining('bad\\u0000\\u001b[31m') } });
  });

  it('a config_schema() nested too deep, or holding a NUL, is refused with where', async () => {
    const deep = GATEWAY.replace('return { type: "object" };', 'let r = {}; let n = r; for (let i = 0; i < 100; i++) { n.items = {}; n = n.items; } return r;');
    await expect(inspect(deep)).resolves.toMatchObject({ plugin: { valid: false, invalidReason: expect.stringMatching(/^config_schema\(\) is nested deeper than 32 levels/) } });
    const nul = GATEWAY.replace('{ type: "object" }', '{ type: "object", title: "a\\u0000" }');
    await expect(inspect(nul)).resolves.toMatchObject({ plugin: { valid: false, invalidReason: 'config_schema() contains a NUL character (\\u0000) at /title' } });
  });
});

describe('jsonProblem', () => {
  it('walks deep values without recursion', () => {
    let value: Record<string, unknown> = {};
    const root = value;
    for (let i = 0; i < 100_000; i++) value = (value.a = {});
    expect(jsonProblem(root, 32)).toMatch(/^is nested deeper than 32 levels \(at (\/a){32}\)$/);
    expect(jsonProblem({ a: [1, 'x', { b: null }] }, 32)).toBeNull();
    expect(jsonProblem({ ['k\u0000']: 1 }, 32)).toMatch(/in a key at \/k\\u0000/);
  });
});

describe('printable', () => {
  it('escapes control characters and lone surrogates, keeps newlines, tabs and other text', () => {
    expect(printable('a\u0000b\u007f\u009b\nc\td é 😀 \ud800', 100)).toBe('a\\u0000b\\u007f\\u009b\nc\td é 😀 \\ud800');
    expect(printable('abcdef', 3)).toBe('abc…');
  });
});
