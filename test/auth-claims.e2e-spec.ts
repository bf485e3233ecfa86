import * as grpc from '@grpc/grpc-js';
import { SignJWT } from 'jose';
import { errorCodeOf, GrpcTestClient } from './support/grpc-client.js';
import { graphql, http } from './support/http-client.js';
import { startTestApp, TEST_JWT_SECRET, type TestApp } from './support/test-app.js';

/**
 * What a bearer token must carry beyond a valid signature, the same on every transport: an `exp`
 * (a token that never expires can never be withdrawn), and, when JWT_AUDIENCE / JWT_ISSUER are set,
 * exactly that `aud` / `iss`.
 */
const key = new TextEncoder().encode(TEST_JWT_SECRET);

async function token(claims: { exp?: boolean; aud?: string; iss?: string } = {}): Promise<string> {
  const jwt = new SignJWT({ role: 'admin' }).setProtectedHeader({ alg: 'HS256', typ: 'JWT' }).setSubject('claims-test').setIssuedAt();
  if (claims.exp !== false) jwt.setExpirationTime('1h');
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
