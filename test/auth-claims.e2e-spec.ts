import * as grpc from '@grpc/grpc-js';
import { SignJWT } from 'jose';
import { errorCodeOf, GrpcTestClient } from './support/grpc-client.js';
import { graphql, http } from './support/http-client.js';
import { startTestApp, TEST_JWT_SECRET, type TestApp } from './support/test-app.js';

/**
 * What a bearer token must carry beyond a valid signature, the same on every transport: an `exp`
 * (a token that never expires can never be withdrawn), and, when JWT_AUDIENCE / JWT_ISSUER are set,
 * exactly that `aud` / `iss`; a lifetime within JWT_MAX_LIFETIME_DAYS (default 30); a `sub` that can
 * be stored and logged (1 to 200 characters, no control character, no lone surrogate).
 */
const key = new TextEncoder().encode(TEST_JWT_SECRET);

async function token(claims: { exp?: boolean; aud?: string; iss?: string; lifetime?: string; sub?: string } = {}): Promise<string> {
  const jwt = new SignJWT({ role: 'admin' }).setProtectedHeader({ alg: 'HS256', typ: 'JWT' }).setSubject(claims.sub ?? 'claims-test').setIssuedAt();
  if (claims.exp !== false) jwt.setExpirationTime(claims.lifetime ?? '1h');
  if (claims.aud) jwt.setAudience(claims.aud);
  if (claims.iss) jwt.setIssuer(claims.iss);
  return jwt.sign(key);
}

/** The error code and message each transport answers for this token, or 'ok'. */
async function answers(app: TestApp, client: GrpcTestClient, bearer: string): Promise<{ rest: string; graphql: string; grpc: string; message: string }> {
  const rest = await http(app.httpUrl, 'GET', '/templates', { token: bearer });
  const gql = await graphql(app.httpUrl, '{ me { sub } }', {}, bearer);
  const rpc = await client.call('IntegrationService', 'ListProviders', {}, bearer);
  return {
    rest: rest.status === 200 ? 'ok' : `${rest.status} ${rest.body.error?.code}`,
    graphql: gql.body.errors ? String(gql.body.errors[0].extensions?.errorCode) : 'ok',
    grpc: rpc.error ? `${grpc.status[rpc.error.code]} ${errorCodeOf(rpc.error)}` : 'ok',
    message: rest.body.error?.message ?? '',
  };
}

/** An app with this configuration and a gRPC client of it, for the describe block it is called in. */
function appWith(env: Record<string, string>): { app: () => TestApp; client: () => GrpcTestClient } {
  let app: TestApp;
  let client: GrpcTestClient;
  beforeAll(async () => {
    app = await startTestApp(env);
    client = new GrpcTestClient(app.grpcAddress);
  });
  afterAll(async () => {
    client?.close();
    await app?.close();
  });
  return { app: () => app, client: () => client };
}

describe('token claims', () => {
  describe('by default', () => {
    const { app, client } = appWith({});

    it('refuses a token without exp on every transport with auth.invalid_token, saying why', async () => {
      const refused = await answers(app(), client(), await token({ exp: false }));
      expect(refused).toEqual({ rest: '401 auth.invalid_token', graphql: 'auth.invalid_token', grpc: 'UNAUTHENTICATED auth.invalid_token', message: 'Token has no "exp" claim: tokens must expire' });
    });

    it('accepts a token with exp, whatever its aud and iss (none configured)', async () => {
      expect(await answers(app(), client(), await token({ aud: 'anyone', iss: 'anywhere' }))).toMatchObject({ rest: 'ok', graphql: 'ok', grpc: 'ok' });
    });

    it('refuses a token that lives longer than 30 days, and takes one of 30', async () => {
      const refused = await answers(app(), client(), await token({ lifetime: '31d' }));
      expect(refused).toEqual({
        rest: '401 auth.invalid_token',
        graphql: 'auth.invalid_token',
        grpc: 'UNAUTHENTICATED auth.invalid_token',
        message: 'Token lives longer than JWT_MAX_LIFETIME_DAYS (30 days): mint a shorter one',
      });
      expect(await answers(app(), client(), await token({ lifetime: '30d' }))).toMatchObject({ rest: 'ok', graphql: 'ok', grpc: 'ok' });
    });

    it.each([
      ['a NUL', 'ann\u0000admin'],
      ['a lone surrogate', 'ann\ud800'],
      ['201 characters', 'a'.repeat(201)],
    ])('refuses a sub with %s on every transport (never a 500)', async (_what, sub) => {
      expect(await answers(app(), client(), await token({ sub }))).toMatchObject({ rest: '401 auth.invalid_token', graphql: 'auth.invalid_token', grpc: 'UNAUTHENTICATED auth.invalid_token' });
    });
  });

  describe('with JWT_MAX_LIFETIME_DAYS=1', () => {
    const { app, client } = appWith({ JWT_MAX_LIFETIME_DAYS: '1' });

    it('refuses a two-day token and takes a 12-hour one', async () => {
      expect((await answers(app(), client(), await token({ lifetime: '2d' }))).message).toContain('JWT_MAX_LIFETIME_DAYS (1 days)');
      expect(await answers(app(), client(), await token({ lifetime: '12h' }))).toMatchObject({ rest: 'ok', graphql: 'ok', grpc: 'ok' });
    });
  });

  describe('with JWT_AUDIENCE and JWT_ISSUER', () => {
    const { app, client } = appWith({ JWT_AUDIENCE: 'switchboard', JWT_ISSUER: 'https://billing.example' });

    it('accepts only tokens for that audience from that issuer', async () => {
      const ask = async (claims: Parameters<typeof token>[0]) => answers(app(), client(), await token(claims));
      expect(await ask({ aud: 'switchboard', iss: 'https://billing.example' })).toMatchObject({ rest: 'ok', graphql: 'ok', grpc: 'ok' });
      const refused = { rest: '401 auth.invalid_token', graphql: 'auth.invalid_token', grpc: 'UNAUTHENTICATED auth.invalid_token' };
      const otherAudience = await ask({ aud: 'another-service', iss: 'https://billing.example' });
      expect(otherAudience).toMatchObject(refused);
      expect(otherAudience.message).toContain('JWT_AUDIENCE');
      expect(await ask({ iss: 'https://billing.example' })).toMatchObject(refused);
      const otherIssuer = await ask({ aud: 'switchboard', iss: 'https://evil.example' });
      expect(otherIssuer).toMatchObject(refused);
      expect(otherIssuer.message).toContain('JWT_ISSUER');
    });
  });
});
