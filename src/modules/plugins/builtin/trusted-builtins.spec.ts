import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { BUILTIN_PLUGINS_DIR } from '../../../config/paths.js';
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
