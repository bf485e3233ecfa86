import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';

/**
 * Self time of a V8 .cpuprofile (what `npm run bench:grpc -- --cpu-prof` writes), by function and
 * by package or source file, largest first. `--last S` keeps only the samples of the profile's last
 * S seconds (the bench's load phase comes last, after boot and setup).
 * A directory (the path the bench prints) stands for its largest profile, the main thread's.
 *   node dist/bench/cpu-profile-summary.js <file.cpuprofile | directory> [--last 7] [--top 40]
 */
interface CallFrame {
  functionName: string;
  url: string;
  lineNumber: number;
}
interface ProfileNode {
  id: number;
  callFrame: CallFrame;
  children?: number[];
}
interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
  startTime: number;
  endTime: number;
}

const args = process.argv.slice(2);
const option = (name: string, fallback: number): number => {
  const at = args.indexOf(name);
  return at >= 0 ? Number(args[at + 1]) : fallback;
};
const target = args.find((a, i) => !a.startsWith('--') && !(i > 0 && args[i - 1].startsWith('--')));
if (!target) throw new Error('usage: cpu-profile-summary <file.cpuprofile | directory> [--last S] [--top N]');
const lastSeconds = option('--last', Infinity);
const top = option('--top', 40);

// A directory holds one profile per thread (the sandbox's workers write their own): take the
// largest, the main thread's.
const file = statSync(target).isDirectory()
  ? (readdirSync(target)
      .filter((f) => f.endsWith('.cpuprofile'))
      .map((f) => join(target, f))
      .sort((a, b) => statSync(b).size - statSync(a).size)[0] ?? '')
  : target;
const profile = JSON.parse(readFileSync(file, 'utf8')) as Profile;
const byId = new Map(profile.nodes.map((n) => [n.id, n]));
const parentOf = new Map<number, ProfileNode>();
for (const node of profile.nodes) for (const child of node.children ?? []) parentOf.set(child, node);

// Sample i is taken at startTime + sum(timeDeltas[0..i]); its weight is the gap to the next one.
const times: number[] = [];
let t = profile.startTime;
for (const delta of profile.timeDeltas) times.push((t += delta));
const from = profile.endTime - lastSeconds * 1e6;

const byFunction = new Map<string, number>();
const byPlace = new Map<string, number>();
const byGroup = new Map<string, number>();
let total = 0;
for (let i = 0; i < profile.samples.length; i += 1) {
  if (times[i] < from) continue;
  const weight = (times[i + 1] ?? profile.endTime) - times[i];
  const node = byId.get(profile.samples[i]);
  if (!node) continue;
  const { functionName, url, lineNumber } = node.callFrame;
  const place = placeOf(url);
  add(byFunction, `${functionName || '(anonymous)'}  ${place}${url ? `:${lineNumber + 1}` : ''}`, weight);
  add(byPlace, place, weight);
  add(byGroup, groupOf(node), weight);
  total += weight;
}

const idle = byFunction.get('(idle)  (native)') ?? 0;
console.log(
  `${file}: ${(total / 1000).toFixed(0)} ms of samples${Number.isFinite(lastSeconds) ? ` in the last ${lastSeconds} s` : ''}, ` +
    `${((total - idle) / 1000).toFixed(0)} ms of them busy (the second column below is the share of busy time)`,
);
print('self time by function', byFunction);
print('self time by package / file', byPlace);
print('self time by part (a native frame counts for the nearest JavaScript caller)', byGroup);

function add(map: Map<string, number>, key: string, weight: number): void {
  map.set(key, (map.get(key) ?? 0) + weight);
}

function print(title: string, map: Map<string, number>): void {
  console.log(`\n${title}`);
  for (const [key, us] of [...map].sort((a, b) => b[1] - a[1]).slice(0, top)) {
    const busyShare = key.startsWith('(idle)') ? '' : `${((100 * us) / (total - idle)).toFixed(1)}%`;
    console.log(`${((100 * us) / total).toFixed(1).padStart(5)}%  ${busyShare.padStart(6)}  ${(us / 1000).toFixed(0).padStart(6)} ms  ${key}`);
  }
}

/** What a sample's time is spent on, by the nearest frame with a script, for the big picture. */
function groupOf(node: ProfileNode): string {
  const name = node.callFrame.functionName;
  if (name === '(idle)' || name === '(garbage collector)' || name === '(program)') return name;
  for (let at: ProfileNode | undefined = node; at; at = parentOf.get(at.id)) {
    const url = at.callFrame.url;
    if (url === '') continue;
    const place = placeOf(url);
    if (/^node:internal\/(http2|streams|stream_base|net|js_stream)|^node:(net|stream|http2)/.test(place)) return 'node http2 / net / streams';
    if (place.startsWith('node:internal/async_hooks') || place.startsWith('node:async_hooks')) return 'async_hooks (AsyncLocalStorage, promise hooks)';
    if (place.startsWith('node:')) return 'node (other)';
    if (place.startsWith('@grpc/grpc-js/')) return '@grpc/grpc-js';
    if (/^(protobufjs|@protobufjs|@grpc\/proto-loader)\//.test(place)) return 'protobuf (proto-loader, protobufjs)';
    if (/^(@nestjs|rxjs|iterare)\//.test(place)) return 'Nest pipeline (@nestjs, rxjs)';
    if (/^(pg|pg-[a-z]+|postgres-[a-z]+)\//.test(place)) return 'pg client';
    if (place.startsWith('typeorm/')) return 'TypeORM';
    if (/^(pino|sonic-boom|@pinojs|thread-stream)\//.test(place)) return 'pino (logging)';
    if (place.startsWith('src/')) return `switchboard ${place.split('/').slice(0, 3).join('/')}`;
    return place.split('/')[0];
  }
  return '(native, no JavaScript caller)';
}

/** node_modules/<package>, a file under dist/, node:internal, or a V8 pseudo-frame such as (garbage collector). */
function placeOf(url: string): string {
  if (url === '') return '(native)';
  const modules = /node_modules\/((?:@[^/]+\/)?[^/]+)\/(.*)$/.exec(url);
  if (modules) return `${modules[1]}/${modules[2]}`;
  const dist = /\/dist\/(.*)$/.exec(url);
  if (dist) return dist[1];
  return url.replace(/^file:\/\//, '');
}
