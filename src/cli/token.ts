import { PERMISSION_CODES } from '../app.permissions.js';
import { resolveJwtSecret } from '../common/auth/jwt-secret.js';
import { ROLES, type Role } from '../common/auth/caller.js';
import { TokenService } from '../common/auth/token.service.js';
import { loadConfigOrExit, parseOptions, printUsageAndExit, UsageError } from './cli-args.js';

const USAGE = `usage: npm run -s token -- [--role admin|user] [--sub <subject>] [--permissions <code>,...] [--expires-in <duration>]

Prints a bearer token (HS256) signed with the configured secret: JWT_SECRET, or the development
secret generated in DATA_DIR/jwt-secret.

  --role         ${ROLES.join(' | ')} (default admin; an admin holds every permission)
  --sub          the token's subject (default <role>-cli)
  --permissions  comma-separated codes for a user token: ${PERMISSION_CODES.join(', ')}
  --expires-in   <n>s, <n>m, <n>h, <n>d or <n>w (default 12h); every token expires`;

/** What jose's setExpirationTime accepts, narrowed to one unit spelling each. */
const DURATION = /^[1-9][0-9]*[smhdw]$/;

interface TokenRequest {
  sub: string;
  role: Role;
  permissions: string[] | undefined;
  expiresIn: string;
}

/** The command line as a token request, or a UsageError naming the first thing wrong with it. */
function readRequest(flags: Map<string, string>): TokenRequest {
  const role = flags.get('role') ?? 'admin';
  if (!(ROLES as readonly string[]).includes(role)) throw new UsageError(`--role must be one of ${ROLES.join(', ')} (got ${JSON.stringify(role)})`);
  const sub = flags.get('sub') ?? `${role}-cli`;
  if (sub.trim() === '') throw new UsageError('--sub must not be empty');

  let permissions: string[] | undefined;
  const listed = flags.get('permissions');
  if (listed !== undefined) {
    permissions = listed.split(',').map((p) => p.trim()).filter(Boolean);
    if (permissions.length === 0) throw new UsageError('--permissions needs at least one code');
    const unknown = permissions.filter((p) => !PERMISSION_CODES.includes(p));
    if (unknown.length > 0) {
      throw new UsageError(`unknown permission code${unknown.length > 1 ? 's' : ''} ${unknown.join(', ')}: the codes are ${PERMISSION_CODES.join(', ')}`);
    }
  }

  const expiresIn = flags.get('expires-in') ?? '12h';
  if (!DURATION.test(expiresIn)) {
    throw new UsageError(`--expires-in must be a number with a unit (30m, 12h, 7d, 2w; s m h d w): every token expires (got ${JSON.stringify(expiresIn)})`);
  }
  return { sub, role: role as Role, permissions, expiresIn };
}

/**
 * npm run token: a bearer token for the seeds' grpcurl examples. A command line it does not fully
 * understand (--help aside) prints the usage on stderr and exits 2 without minting anything: a
 * misspelt `--rol user` must not hand out an admin token.
 */
async function main(): Promise<void> {
  let request: TokenRequest;
  try {
    const { help, flags } = parseOptions(process.argv.slice(2), ['role', 'sub', 'permissions', 'expires-in']);
    if (help) printUsageAndExit(USAGE);
    request = readRequest(flags);
  } catch (err) {
    if (err instanceof UsageError) printUsageAndExit(USAGE, `token: ${err.message}`);
    throw err;
  }

  const config = loadConfigOrExit();
  const tokens = new TokenService(resolveJwtSecret(config).secret, config.jwt);
  let token: string;
  try {
    token = await tokens.sign({ sub: request.sub, role: request.role, permissions: request.permissions }, request.expiresIn);
  } catch (err) {
    if (err instanceof RangeError) printUsageAndExit(USAGE, `token: --expires-in ${request.expiresIn}: ${err.message}`);
    throw err;
  }
  process.stdout.write(`${token}\n`);
}

void main();
