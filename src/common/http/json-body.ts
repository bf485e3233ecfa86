import { AppError } from '../errors/app-error.js';
import { isJsonObject, kindOf } from '../validation/validators.js';

/**
 * A REST request body that must be a JSON object, as the body parser left it: the parser only
 * reads `application/json` (malformed JSON never gets here: it answers 400
 * `common.malformed_request` itself). No parsed body means the client sent another content type
 * (415 `common.unsupported_media_type`) or none at all (400 `common.malformed_request`); a body
 * that parsed to something other than an object is a validation failure naming `body`.
 */
export function jsonObjectBody(body: unknown, contentType: string | undefined, what: string): Record<string, unknown> {
  if (body === undefined) {
    const type = contentType?.split(';')[0].trim();
    if (type) throw new AppError('common.unsupported_media_type', `Request body must be sent with content-type: application/json, got ${type.slice(0, 100)}`, { content_type: type.slice(0, 100) });
    throw new AppError('common.malformed_request', `Request body must be a JSON object (${what}) sent with content-type: application/json`);
  }
  if (!isJsonObject(body)) throw AppError.invalidField('body', `must be a JSON object (${what}), got ${kindOf(body)}`);
  return body;
}
