import { status } from '@grpc/grpc-js';
import { errorCodeOf, type GrpcResult, type GrpcServiceName, type GrpcTestClient } from './grpc-client.js';
import { graphql, http, type GraphqlResponse, type HttpResult } from './http-client.js';
import type { TestApp } from './test-app.js';

/**
 * Table-driven auth checks, reused by every spec that adds operations: each operation × each kind
 * of caller, asserting the outcome the operation's declared access implies. What an allowed call
 * returns is the operation's business; pass `allowed` to assert it too.
 *
 * Access `{ permission }` (@RequirePermission): admin, or a user token carrying that permission.
 * Such an operation gets two more callers: a user holding exactly that permission, who is allowed,
 * and a user holding only some other permission, who is denied like a plain user.
 */
export type Access = 'admin' | 'authenticated' | 'public' | { permission: string };
export type CallerKind = 'no token' | 'forged token' | 'user' | 'user with another permission' | 'user with the permission' | 'admin';
const CALLERS: CallerKind[] = ['no token', 'forged token', 'user', 'admin'];

/** The callers an operation is tried with: the four, and for a permission, users holding it or not. */
function callersOf(access: Access): CallerKind[] {
  return typeof access === 'object' ? ['no token', 'forged token', 'user', 'user with another permission', 'user with the permission', 'admin'] : CALLERS;
}

/** How a row names the access: "admin", "authenticated", "public", "permission events.publish". */
export function describeAccess(access: Access): string {
  return typeof access === 'object' ? `permission ${access.permission}` : access;
}

/** A token with the right shape signed with the wrong key. */
const FORGED =
  'eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJyb2xlIjoiYWRtaW4iLCJzdWIiOiJtYWxsb3J5In0.0000000000000000000000000000000000000000000';

async function tokenFor(kind: CallerKind, access: Access, app: TestApp): Promise<string | null> {
  switch (kind) {
    case 'no token':
      return null;
    case 'forged token':
      return FORGED;
    case 'user':
      return app.tokens.user;
    case 'user with another permission':
      return app.tokens.withPermissions('matrix.some_other_permission');
    case 'user with the permission':
      if (typeof access !== 'object') throw new Error('a permission caller needs an operation that requires a permission');
      return app.tokens.withPermissions(access.permission);
    case 'admin':
      return app.tokens.admin;
  }
}

type Expected = 'unauthenticated' | 'permission_denied' | 'allowed';

function expectedFor(access: Access, kind: CallerKind): Expected {
  if (access === 'public') return 'allowed';
  if (kind === 'no token' || kind === 'forged token') return 'unauthenticated';
  if ((kind === 'user' || kind === 'user with another permission') && (access === 'admin' || typeof access === 'object')) return 'permission_denied';
  return 'allowed';
}

export interface GrpcOperation {
  service: GrpcServiceName;
  method: string;
  access: Access;
  request: unknown;
}

export function describeGrpcAuthMatrix(
  operations: GrpcOperation[],
  context: () => { app: TestApp; client: Pick<GrpcTestClient, 'call'> },
  allowed: (op: GrpcOperation, result: GrpcResult) => void = () => undefined,
): void {
  const rows = operations.flatMap((op) => callersOf(op.access).map((kind) => [`${op.service}/${op.method}`, kind, op] as const));
  it.each(rows)('%s as %s', async (_name, kind, op) => {
    const { app, client } = context();
    const result = await client.call(op.service, op.method, op.request, await tokenFor(kind, op.access, app));
    switch (expectedFor(op.access, kind)) {
      case 'unauthenticated':
        expect(result.error?.code).toBe(status.UNAUTHENTICATED);
        expect(errorCodeOf(result.error)).toMatch(/^auth\.(missing_token|invalid_token)$/);
        break;
      case 'permission_denied':
        expect(result.error?.code).toBe(status.PERMISSION_DENIED);
        expect(errorCodeOf(result.error)).toBe('auth.permission_denied');
        break;
      case 'allowed':
        expect([status.UNAUTHENTICATED, status.PERMISSION_DENIED]).not.toContain(result.error?.code);
        allowed(op, result);
        break;
    }
  });
}

export interface GraphqlOperation {
  name: string;
  access: Access;
  query: string;
  variables?: Record<string, unknown>;
}

export function describeGraphqlAuthMatrix(
  operations: GraphqlOperation[],
  context: () => { app: TestApp },
  allowed: (op: GraphqlOperation, result: HttpResult<GraphqlResponse>) => void = () => undefined,
): void {
  const rows = operations.flatMap((op) => callersOf(op.access).map((kind) => [op.name, kind, op] as const));
  it.each(rows)('%s as %s', async (_name, kind, op) => {
    const { app } = context();
    const result = await graphql(app.httpUrl, op.query, op.variables, await tokenFor(kind, op.access, app));
    expect(result.status).toBe(200);
    const codes = (result.body.errors ?? []).map((e) => e.extensions?.code);
    switch (expectedFor(op.access, kind)) {
      case 'unauthenticated':
        expect(codes).toEqual(['UNAUTHENTICATED']);
        expect(result.body.errors?.[0].extensions?.errorCode).toMatch(/^auth\.(missing_token|invalid_token)$/);
        break;
      case 'permission_denied':
        expect(codes).toEqual(['FORBIDDEN']);
        expect(result.body.errors?.[0].extensions?.errorCode).toBe('auth.permission_denied');
        break;
      case 'allowed':
        expect(codes).not.toContain('UNAUTHENTICATED');
        expect(codes).not.toContain('FORBIDDEN');
        allowed(op, result);
        break;
    }
  });
}

export interface HttpOperation {
  /** "POST /send": how the row is named. */
  name: string;
  method: string;
  path: string;
  access: Access;
  body?: unknown;
}

/**
 * The same matrix over REST: 401 with auth.missing_token / auth.invalid_token, 403 with
 * auth.permission_denied, each in the seed-002 error envelope; an allowed call is anything else.
 */
export function describeHttpAuthMatrix(
  operations: HttpOperation[],
  context: () => { app: TestApp },
  allowed: (op: HttpOperation, result: HttpResult) => void = () => undefined,
): void {
  const rows = operations.flatMap((op) => callersOf(op.access).map((kind) => [op.name, kind, op] as const));
  it.each(rows)('%s as %s', async (_name, kind, op) => {
    const { app } = context();
    const result = await http(app.httpUrl, op.method, op.path, { token: await tokenFor(kind, op.access, app), body: op.body });
    switch (expectedFor(op.access, kind)) {
      case 'unauthenticated':
        expect(result.status).toBe(401);
        expect(result.body.error.code).toMatch(/^auth\.(missing_token|invalid_token)$/);
        expect(result.body.meta.trace_id).toBe(result.headers.get('x-trace-id'));
        break;
      case 'permission_denied':
        expect(result.status).toBe(403);
        expect(result.body.error.code).toBe('auth.permission_denied');
        break;
      case 'allowed':
        expect([401, 403]).not.toContain(result.status);
        expect(result.status).toBeLessThan(500);
        allowed(op, result);
        break;
    }
  });
}
