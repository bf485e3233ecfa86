import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PROJECT_ROOT } from '../src/config/paths.js';
import { docBlocks, groupScript, type DocBlock } from './support/doc-commands.js';
import { freshTestDatabase, testsHaveServer } from './support/test-database.js';

/**
 * The commands README.md and docs/*.md tell a reader to run, run as written (test/support/doc-commands.ts
 * says how a block is marked): each group in one bash session in the project directory, on a fresh
 * database and data directory. Only the port numbers are changed, to free ones (3000, 50051 and the
 * sink's 4000 and 2525 may be taken on a developer's machine); the servers get the same through
 * HTTP_PORT, GRPC_PORT, SINK_HTTP_PORT and SINK_SMTP_PORT. A block that fails, or does not print
 * what its marker expects, fails the test with the block's place and output.
 */
const FILES = ['README.md', ...readdirSync(join(PROJECT_ROOT, 'docs')).filter((f) => f.endsWith('.md')).sort().map((f) => `docs/${f}`)];
const BLOCKS = docBlocks(PROJECT_ROOT, FILES);
const GROUPS = [...new Set(BLOCKS.map((b) => b.group))];

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

function runScript(script: string, env: Record<string, string>, timeoutMs: number): Promise<number | null> {
  return new Promise((resolve) => {
    // detached: the background blocks (servers) are in this process group and are ended with it
    const child = spawn('bash', ['-c', script], { cwd: PROJECT_ROOT, env, stdio: 'ignore', detached: true });
    const timer = setTimeout(() => process.kill(-child.pid!, 'SIGKILL'), timeoutMs);
    child.on('exit', (code) => {
      clearTimeout(timer);
      try {
        process.kill(-child.pid!, 'SIGKILL'); // whatever a background block left running
      } catch {
        // the group is gone already
      }
      resolve(code);
    });
  });
}

function report(block: DocBlock, n: number, dir: string, why: string): string {
  let output: string;
  try {
    output = readFileSync(join(dir, `${n}.out`), 'utf8');
  } catch {
    output = '(no output)';
  }
  return `${block.file}:${block.line} (group ${block.group}, block ${n + 1}): ${why}\n--- block ---\n${block.code}\n--- output ---\n${output.slice(-4000)}`;
}

/** The tools the walkthroughs use besides the project's own (the README says so); CI installs them. */
const MISSING_TOOLS = ['curl', 'jq', 'openssl'].filter((tool) => spawnSync('bash', ['-c', `command -v ${tool}`]).status !== 0);
const describeWithTools = MISSING_TOOLS.length === 0 ? describe : describe.skip;
const SUITE = MISSING_TOOLS.length === 0 ? 'the documented commands, run as written' : `the documented commands (skipped: ${MISSING_TOOLS.join(', ')} not installed)`;

describeWithTools(SUITE, () => {
  it('finds the marked blocks', () => {
    expect(GROUPS).toEqual(expect.arrayContaining(['first-notification']));
  });

  it.each(GROUPS)('%s', async (group) => {
    const blocks = BLOCKS.filter((b) => b.group === group);
    // on a server, a fresh database of its own; else the README's default, the embedded one in DATA_DIR
    const db = (await testsHaveServer()) ? await freshTestDatabase() : null;
    const dir = mkdtempSync(join(tmpdir(), `switchboard-docs-${group}-`));
    const ports = { http: await freePort(), grpc: await freePort(), sinkHttp: await freePort(), sinkSmtp: await freePort() };
    const rewrite = (text: string): string =>
      text
        .replace(/\b(localhost|127\.0\.0\.1):3000\b/g, `$1:${ports.http}`)
        .replace(/\b(localhost|127\.0\.0\.1):50051\b/g, `$1:${ports.grpc}`)
        .replace(/\b127\.0\.0\.1:4000\b/g, `127.0.0.1:${ports.sinkHttp}`)
        .replace(/\b127\.0\.0\.1:2525\b/g, `127.0.0.1:${ports.sinkSmtp}`);
    const env: Record<string, string> = {
      PATH: process.env.PATH ?? '',
      HOME: process.env.HOME ?? '',
      DATA_DIR: join(dir, 'data'),
      HTTP_PORT: String(ports.http),
      GRPC_PORT: String(ports.grpc),
      SINK_HTTP_PORT: String(ports.sinkHttp),
      SINK_SMTP_PORT: String(ports.sinkSmtp),
      LOG_LEVEL: 'warn',
      ...(db ? { DATABASE_URL: db.url } : {}),
    };
    try {
      const script = groupScript(blocks, dir, 90, rewrite);
      writeFileSync(join(dir, 'script.sh'), script);
      await runScript(script, env, 180_000);
      blocks.forEach((block, n) => {
        let rc: string;
        try {
          rc = readFileSync(join(dir, `${n}.rc`), 'utf8').trim();
        } catch {
          throw new Error(report(block, n, dir, 'never ran (an earlier block failed or the group timed out)'));
        }
        if (rc !== '0') throw new Error(report(block, n, dir, rc === '99' ? `its ready URL ${block.ready} never answered 200` : `exited ${rc}`));
        if (block.expect !== null && !readFileSync(join(dir, `${n}.out`), 'utf8').includes(block.expect)) {
          throw new Error(report(block, n, dir, `its output does not contain ${block.expect}`));
        }
      });
    } finally {
      rmSync(dir, { recursive: true, force: true });
      await db?.drop();
    }
  }, 240_000);
});
