import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * Where things are on disk. The compiled tree mirrors the source tree under dist/
 * (dist/src, dist/migrations, dist/test), so both roots are derived from this file's location.
 */
const here = dirname(fileURLToPath(import.meta.url)); // <root>/dist/src/config

export const DIST_ROOT = resolve(here, '..', '..');
export const PROJECT_ROOT = resolve(DIST_ROOT, '..');
export const PROTO_DIR = resolve(PROJECT_ROOT, 'proto');
/** proto/ compiled by buf (npm run proto:descriptors): what server reflection serves. */
export const PROTO_DESCRIPTOR_SET = resolve(PROTO_DIR, 'descriptors.binpb');
export const BUILTIN_PLUGINS_DIR = resolve(PROJECT_ROOT, 'plugins');
export const MIGRATIONS_GLOB = resolve(DIST_ROOT, 'migrations', '*.js');
export const GRAPHQL_SCHEMA_FILE = resolve(PROJECT_ROOT, 'src', 'schema.gql');
