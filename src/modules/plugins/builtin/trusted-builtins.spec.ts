import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { BUILTIN_PLUGINS_DIR } from '../../../config/paths.js';
import type { HostApi } from '../host/host-api.types.js';
import { builtinHost } from './builtin-host.js';
import { TRUSTED_BUILTINS } from './trusted-builtins.js';

describe('TRUSTED_BUILTINS', () => {
  it.each(Object.entries(TRUSTED_BUILTINS))('%s: the pinned hash is the shipped script\'s, so its twin reproduces what ships', (label, builtin) => {
    const source = readFileSync(join(BUILTIN_PLUGINS_DIR, `${label}.js`), 'utf8');
    const actual = createHash('sha256').update(source).digest('hex');
    // Changed the script? Change its twin in src/modules/plugins/builtin/ the same way, run
    // test/plugins/notifier-webhook.e2e-spec.ts (both sides), then pin the new hash here.
    expect({ label, sha256: actual }).toEqual({ label, sha256: builtin.sha256 });
  });
});

describe('builtinHost', () => {
  const context = { plugin: 'notifier/webhook', fn: 'send', interfaceId: null, traceId: null };
  const api = (logged: string[]) =>
    ({
      now: () => 0,
      httpRequest: () => Promise.reject(new Error('unused')),
      mailSend: () => Promise.reject(new Error('unused')),
      crypto: () => '',
      log: (level: unknown) => void logged.push(String(level)),
    }) satisfies HostApi;

  it('passes only the levels the sink writes, and every level when not told', () => {
    const some: string[] = [];
    const host = builtinHost(api(some), context, new Set(['info', 'warn', 'error'] as const));
    host.log('debug', 'webhook answered', {});
    host.log('info', 'webhook answered', {});
    expect(some).toEqual(['info']);

    const all: string[] = [];
    builtinHost(api(all), context).log('debug', 'webhook answered', {});
    expect(all).toEqual(['debug']);
  });
});
