import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PERMISSION_CODES } from '../src/app.permissions.js';
import { TokenService } from '../src/common/auth/token.service.js';
import { DIST_ROOT } from '../src/config/paths.js';
import { spawnApp } from './support/spawn-app.js';

const CLI = join(DIST_ROOT, 'src', 'cli', 'token.js');
const SECRET = 'token-cli-test-secret-0123456789abcdef';
const JWT = /^[\w-]+\.[\w-]+\.[\w-]+$/;

describe('npm run token (token CLI)', () => {
  let dataDir: string;
  beforeAll(() => (dataDir = mkdtempSync(join(tmpdir(), 'token-cli-'))));
  afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

  async function run(args: string[]) {
    const child = spawnApp({ JWT_SECRET: SECRET, DATA_DIR: dataDir }, CLI, args);
    const code = await child.exited;
    return { code, stdout: child.stdout(), stderr: child.stderr() };
  }

  const verify = (stdout: string) => new TokenService(SECRET).verify(stdout.trim());

  it('with no flags prints an admin token valid for 12 hours', async () => {
    const { code, stdout, stderr } = await run([]);
    expect({ code, stderr }).toEqual({ code: 0, stderr: '' });
    expect(stdout.trim()).toMatch(JWT);
    await expect(verify(stdout)).resolves.toEqual({ sub: 'admin-cli', role: 'admin', permissions: [] });
    const claims = JSON.parse(Buffer.from(stdout.trim().split('.')[1], 'base64url').toString()) as { iat: number; exp: number };
    expect(claims.exp - claims.iat).toBe(12 * 3600);
  });

  it('a user token carries the subject, the permissions and the expiry asked for', async () => {
    const { code, stdout } = await run(['--role', 'user', '--sub', 'order-service', '--permissions', 'events.publish,notif.send_manual', '--expires-in=30m']);
    expect(code).toBe(0);
    await expect(verify(stdout)).resolves.toEqual({ sub: 'order-service', role: 'user', permissions: ['events.publish', 'notif.send_manual'] });
    const claims = JSON.parse(Buffer.from(stdout.trim().split('.')[1], 'base64url').toString()) as { iat: number; exp: number };
    expect(claims.exp - claims.iat).toBe(30 * 60);
  });

  it.each([[['--help']], [['-h']], [['--role', 'user', '--help']]])('%j prints the usage on stdout, exit 0, and no token', async (args) => {
    const { code, stdout, stderr } = await run(args);
    expect({ code, stderr }).toEqual({ code: 0, stderr: '' });
    expect(stdout).toMatch(/^usage: npm run -s token -- /);
    for (const permission of PERMISSION_CODES) expect(stdout).toContain(permission);
    expect(stdout).not.toMatch(/eyJ/);
  });

  it.each([
    [['--rol', 'user'], 'token: unknown option --rol'],
    [['--role=superuser'], 'token: --role must be one of admin, user (got "superuser")'],
    [['--role'], 'token: --role needs a value'],
    [['--role', 'user', '--role', 'admin'], 'token: --role given twice'],
    [['admin'], 'token: unexpected argument "admin"'],
    [['--permissions', 'notif.send_manual,notif.bogus'], 'token: unknown permission code notif.bogus: the codes are '],
    [['--permissions', ','], 'token: --permissions needs at least one code'],
    [['--expires-in', 'junk'], 'token: --expires-in must be a number with a unit'],
    [['--expires-in', '0'], 'token: --expires-in must be a number with a unit (30m, 12h, 7d, 2w; s m h d w): every token expires'],
    [['--expires-in', '-1h'], 'token: --expires-in needs a value'],
    [['--expires-in', '12 hours'], 'token: --expires-in must be a number with a unit'],
    [['--sub', ' '], 'token: --sub must not be empty'],
  ])('%j is refused on stderr with the usage, exit 2, and no token', async (args, problem) => {
    const { code, stdout, stderr } = await run(args);
    expect(code).toBe(2);
    expect(stdout).toBe('');
    expect(stderr.split('\n')[0]).toContain(problem);
    expect(stderr).toContain('usage: npm run -s token -- ');
    expect(stderr).not.toMatch(/\n\s+at /); // no stack trace
  });

  it('--help reads no configuration: it does not even create the development secret', async () => {
    const fresh = join(dataDir, 'fresh');
    const child = spawnApp({ DATA_DIR: fresh }, CLI, ['--help']);
    expect(await child.exited).toBe(0);
    expect(existsSync(join(fresh, 'jwt-secret'))).toBe(false);
  });
});
