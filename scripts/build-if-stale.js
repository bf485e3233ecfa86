// Compiles with tsc only when a source is newer than the last build, and says what it is doing:
// `npm start` and `npm run token` use it instead of a bare `tsc`. Plain JavaScript, so that it runs
// before anything is compiled. Usage: node scripts/build-if-stale.js [app|token]
import { spawnSync } from 'node:child_process';
import { readdirSync, statSync, utimesSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';

const TARGETS = {
  app: { project: 'tsconfig.json', outDir: 'dist', what: 'the server', first: 'first start; later starts reuse it' },
  token: { project: 'tsconfig.cli.json', outDir: 'dist-cli', what: 'the token CLI and the dev sink', first: 'first run; later runs reuse it' },
};
const SOURCES = ['src', 'test', 'migrations', 'bench', 'tools'];
const INPUTS = ['tsconfig.json', 'tsconfig.cli.json', 'package-lock.json'];

const name = process.argv[2] ?? 'app';
const target = TARGETS[name];
if (!target) {
  process.stderr.write(`usage: node scripts/build-if-stale.js [${Object.keys(TARGETS).join('|')}]\n`);
  process.exit(2);
}

function newestMtime(path) {
  const stat = statSync(path, { throwIfNoEntry: false });
  if (!stat) return 0;
  if (!stat.isDirectory()) return path.endsWith('.ts') || INPUTS.includes(path) ? stat.mtimeMs : 0;
  return Math.max(0, ...readdirSync(path).map((entry) => newestMtime(join(path, entry))));
}

const builtAt = statSync(join(target.outDir, '.tsbuildinfo'), { throwIfNoEntry: false })?.mtimeMs ?? null;
const changedAt = Math.max(...SOURCES.map(newestMtime), ...INPUTS.map(newestMtime));
if (builtAt !== null && builtAt >= changedAt) process.exit(0);

// The app's messages go to stderr: `TOKEN=$(npm run -s token)` keeps only the token on stdout.
process.stderr.write(
  builtAt === null
    ? `compiling TypeScript into ${target.outDir}/ for ${target.what} (${target.first})…\n`
    : `sources changed since the last build: compiling into ${target.outDir}/ (incremental)…\n`,
);
const startedAt = Date.now();
const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
const result = spawnSync(process.execPath, [tsc, '-p', target.project], { stdio: 'inherit' });
if (result.status !== 0) {
  process.stderr.write(`tsc failed (exit ${result.status ?? result.signal}): ${target.outDir}/ was not updated\n`);
  process.exit(1);
}
// tsc leaves its build info alone when nothing it emits changed (a touched file): mark it built.
const now = new Date();
utimesSync(join(target.outDir, '.tsbuildinfo'), now, now);
process.stderr.write(`compiled in ${((Date.now() - startedAt) / 1000).toFixed(1)} s\n`);
