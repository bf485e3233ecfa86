import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';
import type { ValidateFunction } from 'ajv';

// ajv-formats is CommonJS: its default export is the function, under .default when imported as ESM.
const addFormats = ((addFormatsModule as unknown as { default?: typeof addFormatsModule }).default ?? addFormatsModule) as unknown as (ajv: Ajv2020) => Ajv2020;

interface ResponseHeader {
  description?: string;
  required?: boolean;
  schema?: object;
}

interface ResponseObject {
  description: string;
  content?: Record<string, { schema: unknown }>;
  headers?: Record<string, ResponseHeader>;
}

interface Operation {
  operationId?: string;
  security?: Record<string, string[]>[];
  parameters?: { name: string; in: string; required?: boolean; schema?: unknown }[];
  requestBody?: { content: Record<string, { schema: unknown }> };
  /** A response, or a `$ref` to one of components.responses (the shared 503 Unavailable). */
  responses: Record<string, ResponseObject & { $ref?: string }>;
  'x-access'?: { permission?: string; role?: string };
}

export interface OpenApiDocument {
  openapi: string;
  paths: Record<string, Record<string, Operation>>;
  components?: { schemas?: Record<string, object>; responses?: Record<string, ResponseObject> };
}

/** What a response brings to the contract: a body parsed as JSON when it is, else its text. */
export interface ContractResponse {
  status: number;
  contentType: string | null;
  body: unknown;
  /** When given, every header the document marks required for the status must be there, and match its schema. */
  headers?: Headers;
}

/**
 * The served /openapi.json as a contract tests hold responses to: `check(method, path, status,
 * body)` fails the test when the route, the status or the body is not what the document says,
 * `verify(...)` also the content type, and a path or method the document lacks must answer the
 * error envelope. Schemas are compiled with ajv's JSON Schema 2020-12 dialect, which OpenAPI 3.1
 * uses, with the document's components beside them so `$ref`s resolve.
 */
export class OpenApiContract {
  private readonly ajv = addFormats(new Ajv2020({ strict: false, allErrors: true }));
  private readonly compiled = new WeakMap<object, ValidateFunction>();

  private constructor(readonly document: OpenApiDocument) {}

  static async load(baseUrl: string): Promise<OpenApiContract> {
    const res = await fetch(`${baseUrl}/openapi.json`, { headers: { accept: 'application/json' } });
    if (res.status !== 200) throw new Error(`GET ${baseUrl}/openapi.json answered ${res.status}: not a Switchboard HTTP port? (pass undocumented: '<why>' to http())`);
    return new OpenApiContract((await res.json()) as OpenApiDocument);
  }

  /** The validator of one of the document's schemas (throws if it is not valid JSON Schema 2020-12). */
  compile(schema: object): ValidateFunction {
    let validate = this.compiled.get(schema);
    if (!validate) {
      validate = this.ajv.compile({ ...schema, components: this.document.components ?? {} });
      this.compiled.set(schema, validate);
    }
    return validate;
  }

  private templateOf(path: string): string | undefined {
    const bare = path.split('?')[0];
    return Object.keys(this.document.paths).find((template) => new RegExp(`^${template.replace(/\{[^}]+\}/g, '[^/]+')}/?$`, 'i').test(bare));
  }

  /** The operation for a concrete path (`/templates/0190…` matches `/templates/{id}`); HEAD is GET's. */
  operation(method: string, path: string): Operation | undefined {
    const template = this.templateOf(path);
    const m = method.toLowerCase() === 'head' ? 'get' : method.toLowerCase();
    return template === undefined ? undefined : this.document.paths[template][m];
  }

  /** The operation's response for a status, a `$ref` to components.responses resolved. */
  response(operation: Operation, status: number): ResponseObject | undefined {
    const response = operation.responses[String(status)];
    if (response?.$ref === undefined) return response;
    const name = /^#\/components\/responses\/([^/]+)$/.exec(response.$ref)?.[1];
    const resolved = name === undefined ? undefined : this.document.components?.responses?.[name];
    if (!resolved) throw new Error(`${operation.operationId}: ${status} refers to ${response.$ref}, which /openapi.json does not have`);
    return resolved;
  }

  /** Throws, naming what differs, unless the document lists this status for the route with a schema the body satisfies. */
  check(method: string, path: string, status: number, body: unknown): void {
    const operation = this.operation(method, path);
    if (!operation) throw new Error(`${method} ${path} is not in /openapi.json`);
    const response = this.response(operation, status);
    if (!response) throw new Error(`${method} ${path} answered ${status}, which /openapi.json does not list (${Object.keys(operation.responses).join(', ')})`);
    const schema = response.content?.['application/json']?.schema ?? response.content?.['text/plain']?.schema;
    if (!schema) {
      if (body !== '' && body !== undefined) throw new Error(`${method} ${path} ${status} has no body in /openapi.json but answered ${JSON.stringify(body).slice(0, 200)}`);
      return;
    }
    this.validateBody(`${method} ${path} ${status}`, schema, body);
  }

  /**
   * A whole response against the document: for a documented operation its status, content type and
   * body (as check); for a documented path with another method, 405 (or a body-parser 4xx before
   * it) in the error envelope with an Allow header; for any other path, the error envelope.
   */
  verify(method: string, path: string, res: ContractResponse & { allow?: string | null }): void {
    const what = `${method} ${path} ${res.status}`;
    const operation = this.operation(method, path);
    if (!operation) {
      if (this.templateOf(path) !== undefined && res.status === 405 && !res.allow) throw new Error(`${what}: a 405 without an Allow header`);
      if (res.status < 400) throw new Error(`${what}: ${this.templateOf(path) ? 'the method' : 'the path'} is not in /openapi.json, yet it answered ${res.status}`);
      this.envelope(what, res);
      return;
    }
    const response = this.response(operation, res.status);
    if (!response) throw new Error(`${what}: /openapi.json lists ${Object.keys(operation.responses).join(', ')} for ${operation.operationId}`);
    if (res.headers) this.requiredHeaders(what, response, res.headers);
    const types = Object.keys(response.content ?? {});
    if (method.toUpperCase() === 'HEAD' || types.length === 0) {
      if (res.body !== '' && res.body !== undefined) throw new Error(`${what}: no body in /openapi.json, yet it answered ${JSON.stringify(res.body).slice(0, 200)}`);
      return;
    }
    const mediaType = (res.contentType ?? '').split(';')[0].trim();
    if (!types.includes(mediaType)) throw new Error(`${what}: content-type ${res.contentType ?? '(none)'}, /openapi.json says ${types.join(', ')}`);
    this.validateBody(what, response.content![mediaType].schema as object, res.body);
  }

  private requiredHeaders(what: string, response: ResponseObject, headers: Headers): void {
    for (const [name, header] of Object.entries(response.headers ?? {})) {
      const value = headers.get(name);
      if (value === null) {
        if (header.required) throw new Error(`${what}: no ${name} header, which /openapi.json requires`);
        continue;
      }
      if (!header.schema) continue;
      const integer = (header.schema as { type?: unknown }).type === 'integer';
      if (integer && !/^-?[0-9]+$/.test(value)) throw new Error(`${what}: ${name}: ${JSON.stringify(value)} is not an integer`);
      this.validateBody(`${what} (the ${name} header)`, header.schema, integer ? Number(value) : value);
    }
  }

  private envelope(what: string, res: ContractResponse): void {
    if (!(res.contentType ?? '').startsWith('application/json')) throw new Error(`${what}: an error answer must be the JSON error envelope, got content-type ${res.contentType ?? '(none)'}`);
    const schema = this.document.components?.schemas?.ErrorEnvelope;
    if (!schema) throw new Error('/openapi.json has no components.schemas.ErrorEnvelope');
    this.validateBody(`${what} (the error envelope)`, schema, res.body);
  }

  private validateBody(what: string, schema: object, body: unknown): void {
    const validate = this.compile(schema);
    if (!validate(body)) throw new Error(`${what}: the body does not match /openapi.json: ${this.ajv.errorsText(validate.errors)}; body ${JSON.stringify(body).slice(0, 300)}`);
  }
}
