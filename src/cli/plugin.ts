import { readFileSync } from 'node:fs';
import { basename, dirname, resolve } from 'node:path';
// The plugin module's codes cross the worker boundary as strings: the error table must be installed.
import '../app.errors.js';
import { AppError } from '../common/errors/app-error.js';
import { isPluginType, PLUGIN_TYPES, REQUIRED_FUNCTIONS, type PluginType } from '../modules/plugins/plugin-contract.js';
import { PluginWorkbench } from '../modules/plugins/plugin-workbench.js';
import type { ScannedPlugin } from '../modules/plugins/plugins.types.js';
import { fail, loadConfigOrExit, parseFlags } from './cli-args.js';

const USAGE = `usage:
  npm run plugin -- check <file> [--type <plugin_type>]
  npm run plugin -- call <file> <function> [--config '<json>'] [--params '<json>'] [--type <plugin_type>]

<file> is plugins/<plugin_type>/<plugin_id>.js (or pass --type). Runs in the same sandbox, with the
same limits and host API as the server (PLUGIN_* and SMTP_* variables apply; local targets need
PLUGIN_HTTP_ALLOW). Plugin log lines go to stderr, the result to stdout.`;

/** The plugin author's tool: validate a script against the contract, or run one function. */
async function main(): Promise<void> {
  const { positional, flags } = parseFlags(process.argv.slice(2));
  const [command, file, fn] = positional;
  if (!command || !file || (command === 'call' && !fn) || !['check', 'call'].includes(command)) fail(USAGE);

  const config = loadConfigOrExit();
  const path = resolve(file);
  const pluginType = flags.get('type') ?? basename(dirname(path));
  if (!isPluginType(pluginType)) fail(`cannot tell the plugin type from ${file}: put it in a ${PLUGIN_TYPES.join(' | ')} directory or pass --type`);
  const pluginId = basename(path).replace(/\.js$/, '');
  let source: string;
  try {
    source = readFileSync(path, 'utf8');
  } catch (err) {
    fail(`cannot read ${file}: ${(err as Error).message}`);
  }

  const workbench = await PluginWorkbench.open({
    config,
    logSink: (scrubber) => (entry) => {
      const fields = Object.keys(entry.fields).length ? ` ${scrubber.scrub(JSON.stringify(scrubber.scrubValue(entry.fields)))}` : '';
      process.stderr.write(`[plugin ${entry.level}] ${scrubber.scrub(entry.message)}${fields}\n`);
    },
    pluginType,
    pluginId,
    source,
  });
  try {
    const { inspection } = workbench;
    if (inspection.kind === 'retry') fail(`the sandbox could not inspect ${file} (not a verdict on the script; try again): ${inspection.reason}`);
    const scanned = inspection.plugin;
    if (command === 'check') {
      printCheck(pluginType, scanned);
      process.exitCode = scanned.valid ? 0 : 1;
      return;
    }
    if (!scanned.valid) fail(`${pluginType}/${pluginId} is invalid: ${scanned.invalidReason}`);
    if (!scanned.functions.includes(fn)) fail(`${pluginType}/${pluginId} has no function ${fn}(); it defines ${scanned.functions.join(', ')}`);

    const configs = workbench.configs;
    const pluginConfig = configs.parse(flags.get('config') ?? '{}', '--config');
    const params = configs.parse(flags.get('params') ?? '{}', '--params');
    if (!fn.startsWith('admin_')) configs.validate(scanned.configSchema ?? {}, pluginConfig);
    const result = await workbench.call(fn, pluginConfig, params);
    process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
  } catch (err) {
    if (err instanceof AppError) {
      process.stderr.write(`${err.code}: ${err.message}\n`);
      process.exitCode = 1;
      return;
    }
    throw err;
  } finally {
    await workbench.close();
  }
}

function printCheck(pluginType: PluginType, scanned: ScannedPlugin): void {
  const lines = [
    `${pluginType}/${scanned.pluginId}: ${scanned.valid ? 'valid' : 'INVALID'}`,
    ...(scanned.valid ? [] : [`  reason:     ${scanned.invalidReason}`]),
    `  version:    ${scanned.version}`,
    `  sha256:     ${scanned.sha256}`,
    `  functions:  ${scanned.functions.join(', ') || '(none)'}`,
    `  required:   ${REQUIRED_FUNCTIONS[pluginType].join(', ')}`,
    `  admin page: ${scanned.hasAdminPage ? 'yes' : 'no'}`,
    ...(scanned.channel ? [`  channel:    ${scanned.channel}`] : []),
    ...(scanned.configSchema ? [`  config:     ${JSON.stringify(scanned.configSchema)}`] : []),
  ];
  process.stdout.write(`${lines.join('\n')}\n`);
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
