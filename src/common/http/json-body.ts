import { AppError } from '../errors/app-error.js';

/**
 * A REST request body as the body parser left it. The parser only reads `application/json`
 * (malformed JSON never gets here: it answers 400 `common.malformed_request` itself), so no parsed
 * body means either another content type — or none, or an empty one — (415
 * `common.unsupported_media_type`), or `application/json` with no body at all (400
 * `common.malformed_request`). What the parsed value must look like is the command schema's to say.
 */
export function readJsonBody(body: unknown, contentType: string | undefined): unknown {
  if (body !== undefined) return body;
  const type = (contentType ?? '').split(';')[0].trim().toLowerCase();
  if (type === 'application/json') throw new AppError('common.malformed_request', 'Request body is missing: send a JSON object');
  const got = type === '' ? 'none' : type.slice(0, 100);
  throw new AppError('common.unsupported_media_type', `Request body must be sent with content-type: application/json, got ${got}`, { content_type: type.slice(0, 100) || null });
}
