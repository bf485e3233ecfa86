import { GRAPHQL_LIMITS } from '../src/common/graphql/graphql-options.js';
import { graphql } from './support/http-client.js';
import { startTestApp, type TestApp } from './support/test-app.js';

/**
 * Operation limits checked before execution, the same for callers with and without a token:
 * 10,000 aliases of a public field once stalled health on both ports for seconds.
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

  it(`answers ${GRAPHQL_LIMITS.aliases} aliases, and refuses 10,000 without a token (or with one) before running any, with common.validation_failed`, async () => {
    const fine = await graphql(app.httpUrl, aliases(GRAPHQL_LIMITS.aliases));
    expect(fine.body.errors).toBeUndefined();
    expect(Object.keys(fine.body.data)).toHaveLength(GRAPHQL_LIMITS.aliases);
    for (const token of [null, app.tokens.admin]) {
      const started = Date.now();
      const refused = await graphql(app.httpUrl, aliases(10_000), {}, token);
      expect(refused.body.data).toBeUndefined();
      expect(refused.body.errors?.[0].extensions).toMatchObject({ errorCode: 'common.validation_failed' });
      expect(refused.body.errors?.[0].message).toMatch(/aliases/i);
      expect(Date.now() - started).toBeLessThan(5_000);
    }
    expect((await fetch(`${app.httpUrl}/health`)).status).toBe(200);
  });

  it('refuses an operation over the cost limit, and lets introspection (the playground) through', async () => {
    const wide = `{ ${Array.from({ length: 25 }, (_, i) => `a${i}: serverInfo { name version }`).join(' ')} ${'__typename '.repeat(5_000)} }`;
    const refused = await graphql(app.httpUrl, wide);
    expect(refused.body.errors?.[0].extensions).toMatchObject({ errorCode: 'common.validation_failed' });
    expect(refused.body.errors?.[0].message).toMatch(/cost/i);
    const introspection = await graphql(app.httpUrl, '{ __schema { types { name fields { name type { name kind ofType { name kind ofType { name kind ofType { name } } } } } } } }');
    expect(introspection.body.errors).toBeUndefined();
  });
});
