import { Injectable } from '@nestjs/common';
import { assertInputText } from '../../common/validation/input-text.js';
import { AppError } from '../../common/errors/app-error.js';
import { JsonSchemaValidator } from './json-schema-validator.js';
import { isSealed, type SecretBox } from '../../common/secrets/secret-box.js';
import { mapSecrets, type Json } from './schema-secrets.js';

export type { Json } from './schema-secrets.js';

/** What secrets look like in every API response and log line. */
export const SECRET_MASK = '********';

type Schema = Record<string, unknown>;

/**
 * Interface configuration against the plugin's config_schema(): validation (ajv, errors name the
 * path), and secrets. A subschema marked `writeOnly: true` or `format: "password"` is a secret,
 * wherever the schema puts it (combinators, `$ref`, additional/pattern properties, items: see
 * schema-secrets.ts): masked whenever a config leaves the service, and an update that sends the
 * mask back keeps the stored value (so an admin can edit other fields of a form that shows the mask).
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
    assertInputText(value, field);
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
    return mapSecrets(schema, incoming, (value, path) => (value === SECRET_MASK ? valueAt(stored, path()) : value));
  }

  /**
   * The config as stored: every secret value that is set sealed (SecretBox; a secret object or
   * array as one sealed JSON text). Sealing again seals only what is not sealed with the current key.
   */
  seal(schema: Schema, config: Json, box: SecretBox): Json {
    return mapSecrets(schema, config, (value) => {
      if (value === undefined || value === null || value === '') return value;
      if (typeof value === 'string' && isSealed(value)) return box.isStale(value) ? box.seal(box.open(value)) : value;
      return box.seal(JSON.stringify(value));
    });
  }

  /** A stored config with its sealed secrets opened; a value stored before sealing as it is. */
  open(schema: Schema, config: Json, box: SecretBox): Json {
    return mapSecrets(schema, config, (value) => (typeof value === 'string' && isSealed(value) ? (JSON.parse(box.open(value)) as Json) : value));
  }

  /** Whether a stored config holds a secret that is not sealed with the current key. */
  hasStaleSecrets(schema: Schema, config: Json, box: SecretBox): boolean {
    let stale = false;
    mapSecrets(schema, config, (value) => {
      if (value !== undefined && value !== null && value !== '' && (typeof value !== 'string' || box.isStale(value))) stale = true;
      return value;
    });
    return stale;
  }

  /** Every secret value set in the config, as text, for scrubbing logs, errors and results. */
  secretValues(schema: Schema, config: unknown): string[] {
    const found: string[] = [];
    // Every length counts (see SecretScrubber for why short ones are masked too); inside a secret
    // object or array every string and number leaf is a secret.
    mapSecrets(schema, config as Json, (value) => {
      collectLeaves(value, found);
      return value;
    });
    return found;
  }
}

function valueAt(root: Json, path: (string | number)[]): Json | undefined {
  let node: Json | undefined = root;
  for (const part of path) {
    if (typeof node !== 'object' || node === null || !Object.prototype.hasOwnProperty.call(node, part)) return undefined;
    node = (node as Record<string, Json>)[part as string];
  }
  return node;
}

function collectLeaves(value: Json | undefined, found: string[]): void {
  const stack: (Json | undefined)[] = [value];
  while (stack.length > 0) {
    const node = stack.pop();
    if (typeof node === 'string') {
      if (node.length > 0) found.push(node);
    } else if (typeof node === 'number') {
      if (Number.isFinite(node)) found.push(String(node));
    } else if (Array.isArray(node)) {
      stack.push(...node);
    } else if (typeof node === 'object' && node !== null) {
      stack.push(...Object.values(node));
    }
  }
}
