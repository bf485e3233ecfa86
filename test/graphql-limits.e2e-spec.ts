import { ANONYMOUS_GRAPHQL_LIMITS, GRAPHQL_LIMITS } from '../src/common/graphql/graphql-options.js';
import { TokenService } from '../src/common/auth/token.service.js';
import { graphql } from './support/http-client.js';
import { startTestApp, type TestApp } from './support/test-app.js';

/**
 * Operation limits checked before execution, for every caller, and a tighter budget for callers
 * without a valid token: 10,000 aliases of a public field once stalled health on both ports for
 * seconds.
 */
describe('GraphQL operation limits', () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startTestApp();
  });
  afterAll(async () => {
    await app?.close();
  });

  const aliases = (n: number) => `{ ${Array.from({ length: n }, (_, i) => `a${i}: serverInfo { name }`).join(' ')} }`;

  it(`answers ${GRAPHQL_LIMITS.aliases} aliases with a token, and refuses 10,000 with or without one at parse time (the token limit), with common.validation_failed`, async () => {
    const fine = await graphql(app.httpUrl, aliases(GRAPHQL_LIMITS.aliases), {}, app.tokens.admin);
    expect(fine.body.errors).toBeUndefined();
    expect(Object.keys(fine.body.data)).toHaveLength(GRAPHQL_LIMITS.aliases);
    expect((await graphql(app.httpUrl, aliases(GRAPHQL_LIMITS.aliases + 1), {}, app.tokens.admin)).body.errors?.[0].message).toMatch(/aliases limit/i);
    for (const token of [null, app.tokens.admin]) {
      const started = Date.now();
      const refused = await graphql(app.httpUrl, aliases(10_000), {}, token);
      expect(refused.status).toBe(400);
      expect(refused.body.data).toBeUndefined();
      expect(refused.body.errors?.[0].extensions).toMatchObject({ errorCode: 'common.validation_failed' });
      expect(refused.body.errors?.[0].message).toContain(`more that ${GRAPHQL_LIMITS.tokens} tokens`);
      expect(Date.now() - started).toBeLessThan(5_000);
    }
    expect((await fetch(`${app.httpUrl}/health`)).status).toBe(200);
  });

  it(`holds a caller without a valid token to ${ANONYMOUS_GRAPHQL_LIMITS.aliases} aliases and ${ANONYMOUS_GRAPHQL_LIMITS.tokens} tokens, also for a document Apollo validated before for a token holder`, async () => {
    const over = aliases(ANONYMOUS_GRAPHQL_LIMITS.aliases + 1);
    // Validated (and cached by Apollo) for the admin first: the budget is the caller's, not the text's.
    expect((await graphql(app.httpUrl, over, {}, app.tokens.admin)).body.errors).toBeUndefined();
    const forged = await new TokenService('another-secret-another-secret-another-1').sign({ sub: 'forger', role: 'admin' });
    for (const token of [null, 'not-a-token', forged]) {
      const refused = await graphql(app.httpUrl, over, {}, token);
      expect(refused.status).toBe(400);
      expect(refused.body.data).toBeUndefined();
      expect(refused.body.errors?.[0].extensions).toMatchObject({ errorCode: 'common.validation_failed' });
      expect(refused.body.errors?.[0].message).toMatch(/aliases limit of 5 .*without a token/i);
    }
    const fine = await graphql(app.httpUrl, aliases(ANONYMOUS_GRAPHQL_LIMITS.aliases));
    expect(fine.body.errors).toBeUndefined();
    // Over 1,000 tokens that pass graphql-js's own checks (it stops comparing repeated fields at a budget).
    const names = 'name '.repeat(350);
    const long = `{ serverInfo { ${names} } b: serverInfo { ${names} } ${'__typename '.repeat(350)} }`;
    expect((await graphql(app.httpUrl, long)).body.errors?.[0].message).toMatch(/at most 1000 tokens/);
    expect((await graphql(app.httpUrl, long, {}, app.tokens.admin)).body.errors).toBeUndefined();
  });

  it('refuses an operation over the cost limit, and lets introspection (the playground) through', async () => {
    const wide = `{ ${Array.from({ length: 25 }, (_, i) => `a${i}: serverInfo { name version }`).join(' ')} ${'__typename '.repeat(5_000)} }`;
    const refused = await graphql(app.httpUrl, wide, {}, app.tokens.admin);
    expect(refused.body.errors?.[0].extensions).toMatchObject({ errorCode: 'common.validation_failed' });
    expect(refused.body.errors?.[0].message).toMatch(/cost/i);
    const introspection = await graphql(app.httpUrl, '{ __schema { types { name fields { name type { name kind ofType { name kind ofType { name kind ofType { name } } } } } } } }');
    expect(introspection.body.errors).toBeUndefined();
  });
});
