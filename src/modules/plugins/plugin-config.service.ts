import { Injectable } from '@nestjs/common';
import { AppError } from '../../common/errors/app-error.js';
import { JsonSchemaValidator } from './json-schema.js';

/** What secrets look like in every API response and log line. */
export const SECRET_MASK = '********';

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type Schema = Record<string, unknown>;

/**
 * Interface configuration against the plugin's config_schema(): validation (ajv, errors name the
 * path), and secrets. A property marked `writeOnly: true` or `format: "password"` is a secret:
 * masked whenever a config leaves the service, and an update that sends the mask back keeps the
 * stored value (so an admin can edit other fields of a form that shows the mask).
 */
@Injectable()
export class PluginConfigService {
  constructor(private readonly schemas: JsonSchemaValidator) {}

  /** Parses config JSON text; malformed JSON or a non-object is a validation error on `field`. */
  parse(json: string, field = 'config_json'): Record<string, Json> {
    let value: unknown;
    try {
      value = JSON.parse(json);
    } catch (err) {
      throw AppError.invalidField(field, `is not valid JSON (${(err as Error).message})`);
    }
    if (typeof value !== 'object' || value === null || Array.isArray(value)) throw AppError.invalidField(field, 'must be a JSON object');
    return value as Record<string, Json>;
  }

  validate(schema: Schema, config: unknown, root = 'config'): void {
    const violations = this.schemas.violations(schema, config, root);
    if (violations.length > 0) {
      throw new AppError('plugins.invalid_config', violations.map((v) => `${v.field}: ${v.message}`).join('; '), { violations });
    }
  }

  /** A copy with every secret value that is set replaced by SECRET_MASK. */
  mask(schema: Schema, config: Json): Json {
    return mapSecrets(schema, config, (value) => (value === undefined || value === null || value === '' ? value : SECRET_MASK));
  }

  /** `incoming` where each secret equal to SECRET_MASK takes the stored value instead. */
  mergeSecrets(schema: Schema, stored: Json, incoming: Json): Json {
    return mapSecrets(schema, incoming, (value, path) => (value === SECRET_MASK ? valueAt(stored, path) : value));
  }

  /** Every secret string value set in the config, for scrubbing text (logs, errors). */
  secretValues(schema: Schema, config: unknown): string[] {
    const found: string[] = [];
    mapSecrets(schema, config as Json, (value) => {
      if (typeof value === 'string' && value.length >= 4) found.push(value);
      return value;
    });
    return found;
  }
}

function isSecret(schema: unknown): boolean {
  if (typeof schema !== 'object' || schema === null) return false;
  const s = schema as Schema;
  return s.writeOnly === true || s.format === 'password';
}

/** Walks `value` along `schema` (object properties, array items) and replaces secret leaves with fn(value). */
function mapSecrets(schema: unknown, value: Json, fn: (value: Json | undefined, path: (string | number)[]) => Json | undefined, path: (string | number)[] = []): Json {
  if (typeof schema !== 'object' || schema === null) return value;
  const s = schema as Schema;
  if (isSecret(s)) return fn(value, path) as Json;
  if (Array.isArray(value) && typeof s.items === 'object' && s.items !== null) {
    return value.map((item, i) => mapSecrets(s.items, item, fn, [...path, i]));
  }
  if (typeof value === 'object' && value !== null && !Array.isArray(value) && typeof s.properties === 'object' && s.properties !== null) {
    const props = s.properties as Record<string, unknown>;
    const out: Record<string, Json> = {};
    for (const [key, child] of Object.entries(value)) {
      const mapped = key in props ? mapSecrets(props[key], child, fn, [...path, key]) : child;
      if (mapped !== undefined) out[key] = mapped;
    }
    return out;
  }
  return value;
}

function valueAt(root: Json, path: (string | number)[]): Json | undefined {
  let node: Json | undefined = root;
  for (const part of path) {
    if (typeof node !== 'object' || node === null) return undefined;
    node = (node as Record<string, Json>)[part as string];
  }
  return node;
}
