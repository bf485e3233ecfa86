import { resolveJwtSecret } from '../common/auth/jwt-secret.js';
import { ROLES, type Role } from '../common/auth/caller.js';
import { TokenService } from '../common/auth/token.service.js';
import { fail, loadConfigOrExit, parseFlags } from './cli-args.js';

/**
 * npm run token -- --role admin [--sub alice] [--permissions notif.read_template,notif.send_manual]
 *                  [--expires-in 12h | 0 for never]
 * Prints a bearer token signed with the configured secret (JWT_SECRET, or the development secret
 * in DATA_DIR), so the seeds' grpcurl examples can be run as they are.
 */
async function main(): Promise<void> {
  const { flags } = parseFlags(process.argv.slice(2));
  const role = flags.get('role') ?? 'admin';
  if (!(ROLES as readonly string[]).includes(role)) fail(`--role must be one of ${ROLES.join(', ')}`);
  const permissions = flags.get('permissions')?.split(',').map((p) => p.trim()).filter(Boolean);
  const expiresIn = flags.get('expires-in') ?? '12h';

  const config = loadConfigOrExit();
  const tokens = new TokenService(resolveJwtSecret(config).secret);
  const token = await tokens.sign(
    { sub: flags.get('sub') ?? `${role}-cli`, role: role as Role, permissions },
    expiresIn === '0' ? 0 : expiresIn,
  );
  process.stdout.write(`${token}\n`);
}

void main();
