import { ConfigError, loadConfig, type AppConfig } from '../config/app-config.js';

/** Minimal `--flag value` / `--flag=value` parsing for the project's small CLIs. */
export function parseFlags(argv: string[]): { positional: string[]; flags: Map<string, string> } {
  const positional: string[] = [];
  const flags = new Map<string, string>();
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (!arg.startsWith('--')) {
      positional.push(arg);
      continue;
    }
    const eq = arg.indexOf('=');
    if (eq !== -1) {
      flags.set(arg.slice(2, eq), arg.slice(eq + 1));
    } else if (i + 1 < argv.length && !argv[i + 1].startsWith('--')) {
      flags.set(arg.slice(2), argv[++i]);
    } else {
      flags.set(arg.slice(2), 'true');
    }
  }
  return { positional, flags };
}

/**
 * Strict parsing for a CLI with a fixed set of options: every `--name value` / `--name=value` must
 * be one of `options`, each given once and with a value; `--help` / `-h` ask for help. Anything
 * else (an unknown or misspelt flag, a stray word) is a UsageError, so a typo can never fall back to
 * a default silently.
 */
export function parseOptions(argv: string[], options: readonly string[]): { help: boolean; flags: Map<string, string> } {
  const flags = new Map<string, string>();
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--help' || arg === '-h') return { help: true, flags };
    if (!arg.startsWith('--')) throw new UsageError(`unexpected argument ${JSON.stringify(arg)}`);
    const eq = arg.indexOf('=');
    const name = arg.slice(2, eq === -1 ? undefined : eq);
    if (!options.includes(name)) throw new UsageError(`unknown option --${name}`);
    if (flags.has(name)) throw new UsageError(`--${name} given twice`);
    let value: string;
    if (eq !== -1) value = arg.slice(eq + 1);
    else if (i + 1 < argv.length && !argv[i + 1].startsWith('-')) value = argv[++i];
    else throw new UsageError(`--${name} needs a value`);
    flags.set(name, value);
  }
  return { help: false, flags };
}

/** A command line the CLI cannot run: printed with the usage on stderr, exit 2. */
export class UsageError extends Error {}

/** The usage text on stdout for `--help` (exit 0), or with the problem on stderr (exit 2). */
export function printUsageAndExit(usage: string, problem?: string): never {
  if (problem === undefined) {
    process.stdout.write(`${usage}\n`);
    process.exit(0);
  }
  fail(`${problem}\n\n${usage}`);
}

export function fail(message: string): never {
  process.stderr.write(`${message}\n`);
  process.exit(2);
}

/** The configuration from the environment; bad variables end the CLI with the listed problems. */
export function loadConfigOrExit(): AppConfig {
  try {
    return loadConfig();
  } catch (err) {
    if (err instanceof ConfigError) fail(err.message);
    throw err;
  }
}
