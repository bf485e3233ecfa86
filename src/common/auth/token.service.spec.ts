import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SignJWT } from 'jose';
import { loadConfig } from '../../config/app-config.js';
import { AppError } from '../errors/app-error.js';
import { resolveJwtSecret } from './jwt-secret.js';
import { bearerToken, TokenService } from './token.service.js';

const SECRET = 'unit-test-secret-unit-test-secret-0123456789';

async function codeOf(promise: Promise<unknown>): Promise<string | undefined> {
  try {
    await promise;
    return undefined;
  } catch (err) {
    return err instanceof AppError ? err.code : `not an AppError: ${String(err)}`;
  }
}

describe('TokenService', () => {
  const tokens = new TokenService(SECRET);

  it('round-trips the claims it signs', async () => {
    const token = await tokens.sign({ sub: 'alice', role: 'user', permissions: ['notif.send_manual'] });
    await expect(tokens.verify(token)).resolves.toEqual({ sub: 'alice', role: 'user', permissions: ['notif.send_manual'] });
  });

  it('rejects a token signed with another secret', async () => {
    const other = await new TokenService('another-secret-another-secret-0123456789').sign({ sub: 'a', role: 'admin' });
    expect(await codeOf(tokens.verify(other))).toBe('auth.invalid_token');
  });

  it('rejects an expired token with its own code', async () => {
    const token = await tokens.sign({ sub: 'a', role: 'admin' }, Math.floor(Date.now() / 1000) - 10);
    expect(await codeOf(tokens.verify(token))).toBe('auth.token_expired');
  });

  it('answers a verified token again (from its cache) until it expires, then says expired', async () => {
    const exp = Math.floor(Date.now() / 1000) + 1;
    const token = await tokens.sign({ sub: 'carol', role: 'user' }, exp);
    const first = await tokens.verify(token);
    expect(first).toEqual({ sub: 'carol', role: 'user', permissions: [] });
    expect(await tokens.verify(token)).toBe(first);
    expect(Object.isFrozen(first) && Object.isFrozen(first.permissions)).toBe(true);
    await new Promise((r) => setTimeout(r, exp * 1000 - Date.now() + 20));
    expect(await codeOf(tokens.verify(token))).toBe('auth.token_expired');
  });

  it('does not let a verified token vouch for a tampered copy', async () => {
    const token = await tokens.sign({ sub: 'dave', role: 'user' });
    await tokens.verify(token);
    const [header, , signature] = token.split('.');
    const forgedClaims = Buffer.from(JSON.stringify({ sub: 'dave', role: 'admin' })).toString('base64url');
    expect(await codeOf(tokens.verify(`${header}.${forgedClaims}.${signature}`))).toBe('auth.invalid_token');
  });

  it('rejects alg none and other algorithms', async () => {
    const none = `${Buffer.from('{"alg":"none","typ":"JWT"}').toString('base64url')}.${Buffer.from('{"sub":"a","role":"admin"}').toString('base64url')}.`;
    expect(await codeOf(tokens.verify(none))).toBe('auth.invalid_token');
    const hs512 = await new SignJWT({ role: 'admin' }).setProtectedHeader({ alg: 'HS512' }).setSubject('a').sign(new TextEncoder().encode(SECRET));
    expect(await codeOf(tokens.verify(hs512))).toBe('auth.invalid_token');
  });

  it.each([
    ['no sub', { role: 'admin' }],
    ['unknown role', { sub: 'a', role: 'root' }],
    ['permissions not an array', { sub: 'a', role: 'user', permissions: 'notif.read_template' }],
  ])('rejects a token with %s', async (_name, claims) => {
    const jwt = new SignJWT(claims).setProtectedHeader({ alg: 'HS256' });
    if ('sub' in claims) jwt.setSubject(claims.sub);
    expect(await codeOf(tokens.verify(await jwt.sign(new TextEncoder().encode(SECRET))))).toBe('auth.invalid_token');
  });

  it('parses Bearer headers strictly', () => {
    expect(bearerToken('Bearer abc.def.ghi')).toBe('abc.def.ghi');
    expect(bearerToken('bearer   abc')).toBe('abc');
    expect(bearerToken('Basic abc')).toBeNull();
    expect(bearerToken('Bearer a b')).toBeNull();
    expect(bearerToken(undefined)).toBeNull();
  });
});

describe('resolveJwtSecret', () => {
  it('generates a development secret once, mode 0600, and reuses it', () => {
    const dir = mkdtempSync(join(tmpdir(), 'jwt-secret-'));
    try {
      const config = loadConfig({ DATA_DIR: dir });
      const first = resolveJwtSecret(config);
      expect(first.source).toBe('data_dir');
      expect(first.secret.length).toBeGreaterThanOrEqual(32);
      expect(statSync(join(dir, 'jwt-secret')).mode & 0o777).toBe(0o600);
      expect(resolveJwtSecret(config).secret).toBe(first.secret);
      expect(readFileSync(join(dir, 'jwt-secret'), 'utf8').trim()).toBe(first.secret);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('prefers JWT_SECRET', () => {
    expect(resolveJwtSecret(loadConfig({ JWT_SECRET: SECRET }))).toEqual({ secret: SECRET, source: 'environment' });
  });
});
