import type { NextFunction, Request, Response, Router } from 'express';
import express from 'express';
import { getDistDirectory, renderAltair } from 'altair-static';

const ASSETS_PATH = '/graphql-playground/';

const INITIAL_QUERY = `# Paste a token (npm run token -- --role admin) as the header
#   Authorization: Bearer <token>
# then try the admin queries. This one needs no token:
query {
  serverInfo {
    name
    version
    role
  }
}
`;

/**
 * The GraphQL playground (Altair), served entirely from the installed altair-static package so it
 * works with no internet. A browser's GET /graphql (Accept: text/html) gets the page; every other
 * request to /graphql goes on to Apollo.
 */
export function playgroundRouter(): Router {
  const router = express.Router();
  const page = renderAltair({
    baseURL: ASSETS_PATH,
    endpointURL: '/graphql',
    initialQuery: INITIAL_QUERY,
    initialName: 'Switchboard',
    disableAccount: true,
    // Altair's only banner is its "Try Altair AI" upsell, whose button adds a plugin Altair then
    // loads from the internet. Persisted settings win over what a user saved: it never comes back.
    persistedSettings: { 'banners.disable': true },
  });
  router.use(ASSETS_PATH, express.static(getDistDirectory(), { index: false, maxAge: '1h' }));
  router.get('/graphql', (req: Request, res: Response, next: NextFunction) => {
    const wantsHtml = req.accepts(['application/json', 'application/graphql-response+json', 'text/html']) === 'text/html';
    if (!wantsHtml || typeof req.query.query === 'string') return next();
    res.type('html').send(page);
  });
  return router;
}
