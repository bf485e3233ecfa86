import type { NextFunction, Request, Response } from 'express';
import type { OpenAPIObject } from '@nestjs/swagger';
import { AppError } from '../errors/app-error.js';

const METHODS = ['get', 'put', 'post', 'delete', 'patch'] as const;

interface Route {
  pattern: RegExp;
  /** Upper-case methods served, HEAD beside GET as Express serves it. */
  allow: string[];
  /** Declared query parameters, per method. */
  query: Map<string, Set<string>>;
}

/**
 * What the OpenAPI document says about a request before any handler runs, so the server answers
 * as the document does:
 * - a path the document lists with a method it does not: 405 `common.method_not_allowed` with an
 *   `Allow` header (an unknown path stays Nest's 404 `common.not_found`);
 * - a query parameter the operation does not declare: 400 `common.unknown_query_parameter`
 *   naming them, so a misspelt filter is never silently ignored.
 * Paths outside the document (GraphQL, its playground) are not its business.
 */
export function routeContract(document: () => OpenAPIObject): (req: Request, res: Response, next: NextFunction) => void {
  let routes: Route[] | null = null;
  return (req, res, next) => {
    routes ??= routesOf(document());
    const route = routes.find((r) => r.pattern.test(req.path));
    if (!route) return next();
    const method = req.method.toUpperCase();
    if (!route.allow.includes(method)) {
      res.setHeader('allow', route.allow.join(', '));
      return next(new AppError('common.method_not_allowed', `${method} is not allowed on ${req.path.slice(0, 200)}; allowed: ${route.allow.join(', ')}`, { allow: route.allow }));
    }
    const declared = route.query.get(method === 'HEAD' ? 'GET' : method) ?? new Set<string>();
    const unknown = [...new URLSearchParams(req.originalUrl.split('?')[1] ?? '').keys()].filter((name) => !declared.has(name));
    if (unknown.length > 0) {
      const names = [...new Set(unknown)].slice(0, 20).map((n) => n.slice(0, 64));
      const known = [...declared];
      return next(
        new AppError('common.unknown_query_parameter', `Unknown query parameter${names.length > 1 ? 's' : ''} ${names.join(', ')}; ${known.length ? `this operation takes ${known.join(', ')}` : 'this operation takes none'}`, {
          parameters: names,
          known,
        }),
      );
    }
    next();
  };
}

function routesOf(document: OpenAPIObject): Route[] {
  return Object.entries(document.paths).map(([path, item]) => {
    const segments = path.split('/').map((s) => (/^\{[^}]+\}$/.test(s) ? '[^/]+' : s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')));
    const allow: string[] = [];
    const query = new Map<string, Set<string>>();
    for (const method of METHODS) {
      const operation = item[method];
      if (!operation) continue;
      allow.push(method.toUpperCase());
      if (method === 'get') allow.push('HEAD');
      const names = (operation.parameters ?? []).filter((p) => 'in' in p && p.in === 'query').map((p) => (p as { name: string }).name);
      query.set(method.toUpperCase(), new Set(names));
    }
    // Express matches case-insensitively and with an optional trailing slash; so does this.
    return { pattern: new RegExp(`^${segments.join('/')}/?$`, 'i'), allow, query };
  });
}
