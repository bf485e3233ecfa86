import { AppError } from '../errors/app-error.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** The same rule as a JSON Schema `pattern` (which has no flags): for the command schemas. */
export const UUID_PATTERN = '^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$';

/** A UUID in its canonical text form (any version, either case). */
export function isUuid(value: string): boolean {
  return UUID.test(value);
}

/** Input checks shared by every service; each failure names the field as the contract spells it. */
export function requireUuid(value: unknown, field: string): string {
  if (typeof value !== 'string' || value === '') throw AppError.invalidField(field, 'is required');
  if (!UUID.test(value)) throw AppError.invalidField(field, `must be a UUID, got "${truncate(value)}"`);
  return value.toLowerCase();
}

export function optionalOneOf<T extends string>(value: unknown, allowed: readonly T[], field: string): T | undefined {
  if (value === undefined || value === null || value === '') return undefined;
  if (typeof value !== 'string' || !(allowed as readonly string[]).includes(value)) {
    throw AppError.invalidField(field, `must be one of ${allowed.join(', ')}, got ${truncate(typeof value === 'string' ? `"${value}"` : (JSON.stringify(value) ?? typeof value))}`);
  }
  return value as T;
}

/** A JSON object (not null, not an array). */
export function isJsonObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** How an error message names a JSON value's kind: "null", "an array", "string". */
export function kindOf(value: unknown): string {
  return value === null ? 'null' : Array.isArray(value) ? 'an array' : typeof value;
}

function truncate(value: string, max = 64): string {
  return value.length > max ? `${value.slice(0, max)}…` : value;
}
