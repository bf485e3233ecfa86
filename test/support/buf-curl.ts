import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { PROJECT_ROOT } from '../../src/config/paths.js';

/** buf's CLI as installed by npm (devDependency @bufbuild/buf). */
export const BUF = join(PROJECT_ROOT, 'node_modules', '.bin', 'buf');

/** One grpcurl command as a document prints it, read back into what it asks. */
export interface GrpcurlExample {
  /** Where it was found, e.g. "README.md:77". */
  source: string;
  /** The command as written (continuation lines joined). */
  text: string;
  kind: 'list' | 'describe' | 'call';
  /** `describe`: the symbol; `call`: "package.Service/Method". */
  target: string;
  headers: string[];
  data: string | undefined;
}

/**
 * Every `grpcurl` command in a text (markdown or a seed page), in order: from a line that starts with
 * `grpcurl ` up to the end of the command (backslash continuations, quotes left open across lines).
 * `vars` replaces `$NAME` outside single quotes, as the shell would (e.g. TOKEN).
 */
export function grpcurlExamples(text: string, source: string, vars: Record<string, string> = {}): GrpcurlExample[] {
  return commands(text, /^\s*grpcurl\s/).map(({ command, line }) => readExample(shellWords(command, vars), command, `${source}:${line}`));
}

/** A `buf curl` command as a document prints it (`npx buf curl …` or `buf curl …`). */
export interface BufCurlExample {
  source: string;
  text: string;
  /** `list`: --list-services; `methods`: --list-methods; `call`: the method of the URL. */
  kind: 'list' | 'methods' | 'call';
  target: string;
  /** buf's arguments (from `curl` on), the document's localhost:50051 left as it is. */
  args: string[];
}

/** Every `buf curl` command in a text, read like grpcurlExamples. */
export function bufCurlExamples(text: string, source: string, vars: Record<string, string> = {}): BufCurlExample[] {
  return commands(text, /^\s*(npx\s+)?buf\s+curl\s/).map(({ command, line }) => {
    const words = shellWords(command, vars);
    const args = words.slice(words.indexOf('buf') + 1);
    const url = args.find((a) => /^https?:\/\//.test(a));
    if (url === undefined) throw new Error(`${source}:${line}: no URL in ${command}`);
    const kind = args.includes('--list-services') ? 'list' : args.includes('--list-methods') ? 'methods' : 'call';
    return { source: `${source}:${line}`, text: command, kind, target: kind === 'call' ? new URL(url).pathname.slice(1) : '', args };
  });
}

/** The commands that start on lines matching `start`, continuation lines joined. */
function commands(text: string, start: RegExp): { command: string; line: number }[] {
  const lines = text.split('\n');
  const found: { command: string; line: number }[] = [];
  for (let i = 0; i < lines.length; i++) {
    if (!start.test(lines[i])) continue;
    let command = lines[i];
    let end = i;
    while (continues(command) && end + 1 < lines.length) command += `\n${lines[++end]}`;
    found.push({ command, line: i + 1 });
    i = end;
  }
  return found;
}

/** Whether a command goes on to the next line: a trailing backslash, or a quote still open. */
function continues(command: string): boolean {
  if (/\\\s*$/.test(command)) return true;
  try {
    shellWords(command, new Proxy({}, { has: () => true, get: () => '' }));
    return false;
  } catch {
    return true;
  }
}

/** POSIX-shell word splitting for what the documents use: '…', "…" (with \ escapes and $VAR), \newline. */
export function shellWords(command: string, vars: Record<string, string>): string[] {
  const words: string[] = [];
  let word: string | null = null;
  let quote: "'" | '"' | null = null;
  const expand = (at: number): [string, number] => {
    const name = /^\$([A-Za-z_][A-Za-z0-9_]*)/.exec(command.slice(at))![1];
    if (!(name in vars)) throw new Error(`no value for $${name} in ${command}`);
    return [vars[name], at + name.length + 1];
  };
  for (let i = 0; i < command.length; i++) {
    const c = command[i];
    if (quote === "'") {
      if (c === "'") quote = null;
      else word += c;
    } else if (quote === '"') {
      if (c === '"') quote = null;
      else if (c === '\\' && '"\\$`'.includes(command[i + 1])) word += command[++i];
      else if (c === '\\' && command[i + 1] === '\n') i++;
      else if (c === '$' && /[A-Za-z_]/.test(command[i + 1] ?? '')) {
        const [value, next] = expand(i);
        word += value;
        i = next - 1;
      } else word += c;
    } else if (c === '\\' && command[i + 1] === '\n') {
      i++;
    } else if (/\s/.test(c)) {
      if (word !== null) words.push(word);
      word = null;
    } else {
      word ??= '';
      if (c === "'" || c === '"') quote = c;
      else if (c === '\\') word += command[++i] ?? '';
      else if (c === '$' && /[A-Za-z_]/.test(command[i + 1] ?? '')) {
        const [value, next] = expand(i);
        word += value;
        i = next - 1;
      } else word += c;
    }
  }
  if (quote !== null) throw new Error(`unclosed ${quote} in ${command}`);
  if (word !== null) words.push(word);
  return words;
}

function readExample(words: string[], text: string, source: string): GrpcurlExample {
  const headers: string[] = [];
  let data: string | undefined;
  const rest: string[] = [];
  for (let i = 1; i < words.length; i++) {
    const w = words[i];
    if (w === '-plaintext') continue;
    if (w === '-H') headers.push(words[++i]);
    else if (w === '-d') data = words[++i];
    else if (w.startsWith('-')) throw new Error(`${source}: grpcurl flag ${w} has no buf curl counterpart here`);
    else rest.push(w);
  }
  // rest: address, then "list" | "describe <symbol>" | "<Service>/<Method>"
  const [, verb, symbol] = rest;
  if (verb === 'list' && symbol === undefined) return { source, text, kind: 'list', target: '', headers, data };
  if (verb === 'describe' && symbol !== undefined) return { source, text, kind: 'describe', target: symbol, headers, data };
  if (verb?.includes('/') && symbol === undefined) return { source, text, kind: 'call', target: verb, headers, data };
  throw new Error(`${source}: cannot read the grpcurl command ${text}`);
}

export type BufProtocol = 'grpc' | 'grpcweb';

/** How buf curl reaches the gRPC port: native gRPC over h2c, or gRPC-Web (reflection over the same). */
export function protocolFlags(protocol: BufProtocol): string[] {
  return protocol === 'grpc' ? ['--protocol', 'grpc', '--http2-prior-knowledge'] : ['--protocol', 'grpcweb'];
}

/**
 * The buf curl command that does what the grpcurl example does, schema from server reflection only.
 * `describe` has no buf curl verb: --list-methods (the caller keeps the symbol's lines).
 */
export function bufCurlArgs(example: Pick<GrpcurlExample, 'kind' | 'target' | 'headers' | 'data'>, address: string, protocol: BufProtocol): string[] {
  const base = `http://${address}`;
  const flags = ['curl', ...protocolFlags(protocol), ...example.headers.flatMap((h) => ['-H', h])];
  if (example.kind === 'list') return [...flags, '--list-services', base];
  if (example.kind === 'describe') return [...flags, '--list-methods', base];
  return [...flags, '-d', example.data ?? '{}', `${base}/${example.target}`];
}

export interface BufResult {
  /** 0, or the gRPC status code of a failed RPC (buf exits with it shifted left by 3). */
  grpcCode: number;
  exitCode: number;
  stdout: string;
  stderr: string;
  /** The JSON answer (stdout) or error (stderr), when it is JSON. */
  json: any;
}

/** Runs buf with these arguments (at most `limit` at once across callers of the same runner). */
export function bufRunner(limit = 4): (args: string[]) => Promise<BufResult> {
  let running = 0;
  const waiting: (() => void)[] = [];
  const run = (args: string[]) =>
    new Promise<BufResult>((resolve) => {
      execFile(BUF, args, { timeout: 30_000, maxBuffer: 16 * 1024 * 1024, env: { ...process.env, BUF_CACHE_DIR: join(PROJECT_ROOT, 'dist', '.buf-cache') } }, (err, stdout, stderr) => {
        const exitCode = err === null ? 0 : typeof err.code === 'number' ? err.code : -1;
        const text = exitCode === 0 ? stdout : stderr;
        let json: unknown;
        try {
          json = JSON.parse(text);
        } catch {
          json = undefined;
        }
        resolve({ exitCode, grpcCode: exitCode >= 8 ? exitCode >> 3 : 0, stdout, stderr, json });
      });
    });
  return async (args) => {
    if (running >= limit) await new Promise<void>((go) => waiting.push(go));
    running++;
    try {
      return await run(args);
    } finally {
      running--;
      waiting.shift()?.();
    }
  };
}
