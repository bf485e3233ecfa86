import { applyDecorators, Injectable, SetMetadata, type INestApplication } from '@nestjs/common';
import { ModulesContainer } from '@nestjs/core';
import { ApiQuery, ApiResponse, DocumentBuilder, SwaggerModule, type OpenAPIObject } from '@nestjs/swagger';
import { ACCESS_RULE, type AccessRule } from '../auth/access.decorator.js';
import { transportMappingOf } from '../errors/error-registry.js';
import { UNAVAILABLE_RETRY_AFTER_SECONDS } from '../errors/error-renderers.js';

/**
 * The REST API's OpenAPI 3.1 document (served at GET /openapi.json), generated at boot from the
 * controllers themselves by @nestjs/swagger: paths and methods from the routes, path parameters,
 * status codes and body schemas from the decorators below, and — added here from the same
 * metadata the auth guard reads — each operation's security and permission with its 401/403
 * answers. Request bodies are the commands' own schemas (CommandBody), the ones the server
 * validates with. The schemas are JSON Schema 2020-12, as OpenAPI 3.1 uses it. Every operation
 * names its operationId (ApiOperation); a missing or repeated one stops the boot. Every operation
 * but those marked NoDatabase lists the shared 503 `common.unavailable` answer (with Retry-After),
 * which it gives while the database cannot be reached.
 */

export type { JsonSchema } from '../validation/command-schema.js';
import type { JsonSchema } from '../validation/command-schema.js';

/** `{ data, meta: { request_id, timestamp } }`: seed 002's success envelope (docs/rest.md, "Conventions"). */
export const SUCCESS_META_SCHEMA: JsonSchema = {
  type: 'object',
  required: ['request_id', 'timestamp'],
  properties: {
    request_id: { type: 'string', description: 'The call\'s trace id (also the x-trace-id response header).' },
    timestamp: { type: 'string', format: 'date-time' },
  },
};

export function successEnvelopeSchema(data: JsonSchema, meta: JsonSchema = SUCCESS_META_SCHEMA): JsonSchema {
  return { type: 'object', required: ['data', 'meta'], properties: { data, meta } };
}

/**
 * `{ error: { code, message, details }, meta: { trace_id, timestamp } }`: seed 002's error envelope
 * (docs/rest.md, "Conventions"), as components.schemas.ErrorEnvelope.
 */
export const ERROR_ENVELOPE_DEFINITION: JsonSchema = {
  type: 'object',
  required: ['error', 'meta'],
  properties: {
    error: {
      type: 'object',
      required: ['code', 'message', 'details'],
      properties: {
        code: { type: 'string', pattern: '^[a-z]+\\.[a-z0-9_]+$', description: 'Namespaced, snake_case error code (`notif.template_not_found`).' },
        message: { type: 'string' },
        details: { type: ['object', 'null'], description: 'Structured data about the error; for common.validation_failed, `violations: [{ field, message }]`.' },
      },
    },
    meta: {
      type: 'object',
      required: ['trace_id', 'timestamp'],
      properties: { trace_id: { type: 'string' }, timestamp: { type: 'string', format: 'date-time' } },
    },
  },
};

export const ERROR_ENVELOPE_SCHEMA: JsonSchema = { $ref: '#/components/schemas/ErrorEnvelope' };

/**
 * Query parameters, one per property of the schema (all optional): what GET /templates declares,
 * and — as the document lists each operation's parameters — what the route contract middleware
 * lets through (another is 400 `common.unknown_query_parameter`).
 */
export function ApiQueries(parameters: Record<string, JsonSchema>): MethodDecorator {
  return applyDecorators(...Object.entries(parameters).map(([name, schema]) => ApiQuery({ name, required: false, schema })));
}

/** A success answer in the seed-002 envelope (or, for 204, none). */
export function SuccessResponse(status: number, description: string, data?: JsonSchema, meta?: JsonSchema): MethodDecorator {
  return ApiResponse({ status, description, ...(data ? { content: { 'application/json': { schema: successEnvelopeSchema(data, meta) } } } : {}) });
}

/**
 * The error answers an operation can give besides the auth ones (added from its access rule), each
 * with the codes that produce it; the status comes from the error table, so the two cannot drift.
 */
export function ErrorResponses(...codes: Parameters<typeof transportMappingOf>[0][]): MethodDecorator {
  const byStatus = new Map<number, string[]>();
  for (const code of codes) {
    const status = transportMappingOf(code).http;
    byStatus.set(status, [...(byStatus.get(status) ?? []), code]);
  }
  return applyDecorators(
    ...[...byStatus].map(([status, list]) =>
      ApiResponse({ status, description: list.map((c) => `\`${c}\``).join(', '), content: { 'application/json': { schema: ERROR_ENVELOPE_SCHEMA } } }),
    ),
  );
}

/** Where NoDatabase keeps its mark. */
const NO_DATABASE = 'switchboard:noDatabase';

/**
 * The handler never touches the database (liveness, metrics, this document), so it never answers
 * 503 `common.unavailable`: its operation does not list the shared Unavailable response.
 */
export function NoDatabase(): MethodDecorator {
  return SetMetadata(NO_DATABASE, true);
}

/** components.responses.Unavailable: what every operation that touches the database answers while it is away. */
export const UNAVAILABLE_RESPONSE = {
  description:
    '`common.unavailable`: the database cannot be reached right now (stopped, restarting, failing over, out of connections) ' +
    'or, for /ready, has migrations pending. Nothing is wrong with the request: retry it after `Retry-After` seconds. ' +
    'A write cut off as the database went may have been stored: retry it as it was (the same `metadata.event_id`, the same `Idempotency-Key`).',
  headers: {
    'Retry-After': {
      description: `Seconds to wait before retrying (${UNAVAILABLE_RETRY_AFTER_SECONDS}).`,
      required: true,
      schema: { type: 'integer', minimum: 1, examples: [UNAVAILABLE_RETRY_AFTER_SECONDS] },
    },
  },
  content: { 'application/json': { schema: ERROR_ENVELOPE_SCHEMA } },
};

const UNAVAILABLE_REF = { $ref: '#/components/responses/Unavailable' };

/** Holds the document built at boot, for the controller that serves it. */
@Injectable()
export class OpenApiDocument {
  private document: OpenAPIObject | null = null;

  set(document: OpenAPIObject): void {
    this.document = document;
  }

  get(): OpenAPIObject {
    if (!this.document) throw new Error('the OpenAPI document is built at boot, before the HTTP server listens');
    return this.document;
  }
}

const BEARER = 'bearer';
/** Where @ApiOperation keeps its options (@nestjs/swagger's DECORATORS.API_OPERATION, not exported). */
const API_OPERATION = 'swagger/apiOperation';

export function buildOpenApiDocument(app: INestApplication, version: string): OpenAPIObject {
  const config = new DocumentBuilder()
    .setOpenAPIVersion('3.1.0')
    .setTitle('Switchboard REST API')
    .setVersion(version)
    .setDescription(
      'The REST side of Switchboard: seed 002\'s template/send contract, event ingress and the probes. ' +
        'Every success is `{ data, meta: { request_id, timestamp } }` and every error `{ error: { code, message, details }, meta: { trace_id, timestamp } }`. ' +
        'gRPC (rustbill.integration, rustbill.notification) and GraphQL (/graphql) carry the rest of the API.',
    )
    .addBearerAuth({ type: 'http', scheme: 'bearer', bearerFormat: 'JWT' }, BEARER)
    // Relative: the document describes whichever host serves it.
    .addServer('/', 'The server this document is served by')
    .setLicense('MIT', 'https://opensource.org/licenses/MIT')
    .build();
  const { rules, noDatabase } = handlerMarks(app);
  // Without an explicit operationId, the factory's `Controller.method` marks it, and the check below refuses it.
  const document = SwaggerModule.createDocument(app, config, { operationIdFactory: (controller, method) => `${controller}.${method}` });
  document.components = {
    ...document.components,
    schemas: { ...document.components?.schemas, ErrorEnvelope: ERROR_ENVELOPE_DEFINITION },
    responses: { ...document.components?.responses, Unavailable: UNAVAILABLE_RESPONSE },
  };
  const seen = new Set<string>();
  for (const [path, item] of Object.entries(document.paths)) {
    for (const method of ['get', 'put', 'post', 'delete', 'patch'] as const) {
      const operation = item[method];
      if (!operation) continue;
      const id = operation.operationId ?? '';
      if (!id || id.includes('.')) throw new Error(`${method.toUpperCase()} ${path} (${id}) has no operationId: name it in @ApiOperation`);
      if (seen.has(id)) throw new Error(`operationId ${id} is used twice (${method.toUpperCase()} ${path}): operationIds must be unique`);
      seen.add(id);
      const rule = rules.get(id) ?? ({ kind: 'admin' } as const);
      applyAccess(operation as unknown as MutableOperation, rule);
      operation.responses ??= {};
      // Every operation can meet this before its handler runs (src/common/http/route-contract.middleware.ts).
      addError(operation as unknown as MutableOperation, 400, ['common.unknown_query_parameter']);
      // Every body-taking operation can meet these before its handler runs.
      if (operation.requestBody) {
        addError(operation as unknown as MutableOperation, 400, ['common.malformed_request']);
        addError(operation as unknown as MutableOperation, 413, ['common.payload_too_large']);
        addError(operation as unknown as MutableOperation, 415, ['common.unsupported_media_type']);
      }
      if (path.includes('{')) {
        operation.parameters?.forEach((p) => 'in' in p && p.in === 'path' && (p.required = true));
        // A path parameter that is not percent-encoded UTF-8 (`%ED`, `%zz`) is refused by the router.
        addError(operation as unknown as MutableOperation, 400, ['common.malformed_request']);
      }
      if (!noDatabase.has(id)) {
        if (operation.responses['503']) throw new Error(`${method.toUpperCase()} ${path} (${id}) declares a 503 of its own: the shared Unavailable response is added to every operation not marked NoDatabase`);
        (operation.responses as Record<string, unknown>)['503'] = UNAVAILABLE_REF;
      }
    }
  }
  return toOpenApi31(document) as OpenAPIObject;
}

interface MutableOperation {
  security?: Record<string, string[]>[];
  description?: string;
  responses: Record<string, { description: string; content?: Record<string, { schema: JsonSchema }> }>;
  [extension: `x-${string}`]: unknown;
}

function applyAccess(operation: MutableOperation, rule: AccessRule): void {
  if (rule.kind === 'public') {
    operation.security = [];
    return;
  }
  operation.security = [{ [BEARER]: [] }];
  addError(operation, 401, ['auth.missing_token', 'auth.invalid_token', 'auth.token_expired']);
  const who = rule.kind === 'authenticated' ? 'any valid token' : rule.kind === 'admin' ? 'role admin' : `permission \`${rule.permission}\` (or role admin)`;
  operation['x-access'] = rule.kind === 'permission' ? { permission: rule.permission } : { role: rule.kind };
  operation.description = [operation.description, `Requires ${who}.`].filter(Boolean).join('\n\n');
  if (rule.kind !== 'authenticated') addError(operation, 403, ['auth.permission_denied']);
}

function addError(operation: MutableOperation, status: number, codes: string[]): void {
  const key = String(status);
  const existing = operation.responses[key];
  const listed = existing?.description ? existing.description.split(', ') : [];
  const description = [...new Set([...listed, ...codes.map((c) => `\`${c}\``)])].join(', ');
  operation.responses[key] = { description, content: { 'application/json': { schema: ERROR_ENVELOPE_SCHEMA } } };
}

/**
 * operationId → the access rule its handler declares (absent = admin, as the guard fails closed),
 * and the operationIds whose handlers are marked NoDatabase.
 */
function handlerMarks(app: INestApplication): { rules: Map<string, AccessRule>; noDatabase: Set<string> } {
  const rules = new Map<string, AccessRule>();
  const noDatabase = new Set<string>();
  for (const module of app.get(ModulesContainer).values()) {
    for (const wrapper of module.controllers.values()) {
      const type = wrapper.metatype as (new (...args: never[]) => unknown) | null;
      if (!type?.prototype) continue;
      for (const method of Object.getOwnPropertyNames(type.prototype)) {
        if (method === 'constructor') continue;
        const handler = (type.prototype as Record<string, unknown>)[method];
        if (typeof handler !== 'function') continue;
        const rule = (Reflect.getMetadata(ACCESS_RULE, handler) ?? Reflect.getMetadata(ACCESS_RULE, type)) as AccessRule | undefined;
        const operationId = (Reflect.getMetadata(API_OPERATION, handler) as { operationId?: string } | undefined)?.operationId;
        if (rule && operationId) rules.set(operationId, rule);
        if (operationId && Reflect.getMetadata(NO_DATABASE, handler) === true) noDatabase.add(operationId);
      }
    }
  }
  return { rules, noDatabase };
}

/** OpenAPI 3.0's `nullable: true` (which @nestjs/swagger still emits for some shapes) as 3.1's type arrays. */
function toOpenApi31(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(toOpenApi31);
  if (typeof value !== 'object' || value === null) return value;
  const out: Record<string, unknown> = {};
  for (const [key, v] of Object.entries(value)) if (key !== 'nullable') out[key] = toOpenApi31(v);
  const source = value as Record<string, unknown>;
  if (source.nullable === true) {
    if (typeof source.type === 'string') out.type = [source.type, 'null'];
    else if (!source.type) return { anyOf: [out, { type: 'null' }] };
  }
  return out;
}
