import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';
import type { ValidateFunction } from 'ajv';
import { http } from './http-client.js';

// ajv-formats is CommonJS: its default export is the function, under .default when imported as ESM.
const addFormats = ((addFormatsModule as unknown as { default?: typeof addFormatsModule }).default ?? addFormatsModule) as unknown as (ajv: Ajv2020) => Ajv2020;

interface Operation {
  security?: Record<string, string[]>[];
  parameters?: { name: string; in: string; required?: boolean; schema?: unknown }[];
  requestBody?: { content: Record<string, { schema: unknown }> };
  responses: Record<string, { description: string; content?: Record<string, { schema: unknown }> }>;
  'x-access'?: { permission?: string; role?: string };
}

export interface OpenApiDocument {
  openapi: string;
  paths: Record<string, Record<string, Operation>>;
}

/**
 * The served /openapi.json as a contract tests hold responses to: `check(method, path, status,
 * body)` fails the test when the route, the status or the body is not what the document says.
 * Schemas are compiled with ajv's JSON Schema 2020-12 dialect, which OpenAPI 3.1 uses.
 */
export class OpenApiContract {
  private readonly ajv = addFormats(new Ajv2020({ strict: false, allErrors: true }));
  private readonly compiled = new WeakMap<object, ValidateFunction>();

  private constructor(readonly document: OpenApiDocument) {}

  static async load(baseUrl: string): Promise<OpenApiContract> {
    const res = await http<OpenApiDocument>(baseUrl, 'GET', '/openapi.json');
    if (res.status !== 200) throw new Error(`GET /openapi.json answered ${res.status}`);
    return new OpenApiContract(res.body);
  }

  /** The validator of one of the document's schemas (throws if it is not valid JSON Schema 2020-12). */
  compile(schema: object): ValidateFunction {
    let validate = this.compiled.get(schema);
    if (!validate) {
      validate = this.ajv.compile(schema);
      this.compiled.set(schema, validate);
    }
    return validate;
  }

  /** The operation for a concrete path (`/templates/0190…` matches `/templates/{id}`). */
  operation(method: string, path: string): Operation | undefined {
    const bare = path.split('?')[0];
    for (const [template, item] of Object.entries(this.document.paths)) {
      const pattern = new RegExp(`^${template.replace(/\{[^}]+\}/g, '[^/]+')}$`);
      if (pattern.test(bare) && item[method.toLowerCase()]) return item[method.toLowerCase()];
    }
    return undefined;
  }

  /** Throws, naming what differs, unless the document lists this status for the route with a schema the body satisfies. */
  check(method: string, path: string, status: number, body: unknown): void {
    const operation = this.operation(method, path);
    if (!operation) throw new Error(`${method} ${path} is not in /openapi.json`);
    const response = operation.responses[String(status)];
    if (!response) throw new Error(`${method} ${path} answered ${status}, which /openapi.json does not list (${Object.keys(operation.responses).join(', ')})`);
    const schema = response.content?.['application/json']?.schema;
    if (!schema) {
      if (body !== '' && body !== undefined) throw new Error(`${method} ${path} ${status} has no body in /openapi.json but answered ${JSON.stringify(body).slice(0, 200)}`);
      return;
    }
    const validate = this.compile(schema);
    if (!validate(body)) throw new Error(`${method} ${path} ${status}: the body does not match /openapi.json: ${this.ajv.errorsText(validate.errors)}`);
  }
}
