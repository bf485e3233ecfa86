import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { AppConfig } from '../../config/app-config.js';

export interface ResolvedSecret {
  secret: string;
  source: 'environment' | 'data_dir';
}

/**
 * JWT_SECRET when set. Otherwise (development and tests only: production refuses to boot without
 * it, see loadConfig) a random secret generated once and kept in DATA_DIR/jwt-secret (mode 0600),
 * so tokens minted by `npm run token` keep working across restarts.
 */
export function resolveJwtSecret(config: AppConfig): ResolvedSecret {
  if (config.jwt.secret) return { secret: config.jwt.secret, source: 'environment' };
  if (config.env === 'production') throw new Error('JWT_SECRET is required in production');
  const file = join(config.dataDir, 'jwt-secret');
  if (!existsSync(file)) {
    mkdirSync(config.dataDir, { recursive: true });
    writeFileSync(file, randomBytes(48).toString('base64url') + '\n', { mode: 0o600, flag: 'wx' });
  }
  chmodSync(file, 0o600);
  return { secret: readFileSync(file, 'utf8').trim(), source: 'data_dir' };
}
