import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { PROJECT_ROOT } from '../../config/paths.js';
import { EVENT_CATALOG, EVENT_TYPES, versionsOf } from './event-catalog.js';

interface DocumentedType {
  required: string[];
  anyOf: string[];
  optional: string[];
}

/** The rows of docs/events.md's catalog table: `| \`type\` | required | at least one of | optional | recipients |`. */
function documentedCatalog(): Record<string, DocumentedType> {
  const text = readFileSync(join(PROJECT_ROOT, 'docs', 'events.md'), 'utf8');
  const section = text.slice(text.indexOf('## The catalog'), text.indexOf('## The envelope'));
  const names = (cell: string) => [...cell.matchAll(/`([^`]+)`/g)].map((m) => m[1]).sort();
  const rows = section.split('\n').filter((line) => line.startsWith('| `'));
  return Object.fromEntries(
    rows.map((line) => {
      const [type, required, anyOf, optional] = line.split('|').slice(1, 5);
      return [names(type)[0], { required: names(required), anyOf: names(anyOf), optional: names(optional) }];
    }),
  );
}

/** What the catalog's schema for version 1 says, in the same shape. */
function catalogued(type: (typeof EVENT_TYPES)[number]): DocumentedType {
  const schema = (EVENT_CATALOG[type] as Record<string, { schema: object }>)['1'].schema as {
    required: string[];
    properties: Record<string, unknown>;
    anyOf?: { required: string[] }[];
  };
  const anyOf = (schema.anyOf ?? []).flatMap((s) => s.required);
  return {
    required: [...schema.required].sort(),
    anyOf: [...anyOf].sort(),
    optional: Object.keys(schema.properties).filter((p) => !schema.required.includes(p) && !anyOf.includes(p)).sort(),
  };
}

describe('docs/events.md', () => {
  const documented = documentedCatalog();

  it('lists every catalog type once, and no other', () => {
    expect(Object.keys(documented).sort()).toEqual([...EVENT_TYPES].sort());
  });

  it('documents version 1, the only version of every type', () => {
    for (const type of EVENT_TYPES) expect(versionsOf(type)).toEqual(['1']);
  });

  it.each(EVENT_TYPES)('gives %s the required and optional fields of its schema', (type) => {
    expect(documented[type]).toEqual(catalogued(type));
  });
});
