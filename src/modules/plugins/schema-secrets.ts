import { linearRegExp, type LinearRegExp } from './linear-regexp.js';

/**
 * Finds the secret leaves of a config, wherever its JSON Schema can declare them: a subschema
 * marked `writeOnly: true` or `format: "password"` reached through properties,
 * patternProperties, additionalProperties, items (object and tuple form), prefixItems,
 * additionalItems, contains, allOf/anyOf/oneOf, if/then/else, dependentSchemas, and `$ref`
 * (`#`, `#/json/pointer`, `#anchor`, `$defs`/`definitions`, a subschema's `$id`).
 *
 * Deliberately conservative: every branch of anyOf/oneOf and both of then/else count, since which
 * one a value matched is not known here; a field declared secret in any branch is a secret. A
 * `not` never declares anything. Remote `$ref`s are not fetched (ajv cannot compile them either).
 *
 * Mask, merge-back and secret listing all walk through `mapSecrets`, so they follow the same rules.
 * The walk is iterative (configs may nest deeper than the call stack), and `patternProperties`
 * regexes run in the linear-time engine, like ajv's.
 */

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type Schema = Record<string, unknown>;

/** Where a value sits in the config, as a linked list (copying a path per node would be quadratic). */
export interface SecretPath {
  key: string | number;
  parent: SecretPath | null;
}

export type SecretVisitor = (value: Json | undefined, path: () => (string | number)[]) => Json | undefined;

export function isSecretSchema(schema: unknown): boolean {
  if (!isObject(schema)) return false;
  return schema.writeOnly === true || schema.format === 'password';
}

/**
 * A copy of `value` where each secret leaf is replaced by `visit(leaf, path)`; a visit answering
 * undefined removes an object key. Parts of the value no schema speaks about are kept as they are.
 */
export function mapSecrets(root: unknown, value: Json, visit: SecretVisitor): Json {
  const resolver = resolverFor(root);
  const holder: Record<string, Json | undefined> = {};
  const stack: Task[] = [{ schemas: [root], value, path: null, target: holder, key: 'value' }];
  while (stack.length > 0) {
    const task = stack.pop()!;
    const result = step(task, resolver, visit, stack);
    if (result === undefined && !Array.isArray(task.target)) delete (task.target as Record<string, unknown>)[task.key];
    else setOwn(task.target, task.key, result);
  }
  return holder.value as Json;
}

interface Task {
  schemas: unknown[];
  value: Json | undefined;
  path: SecretPath | null;
  target: Record<string | number, Json | undefined> | (Json | undefined)[];
  key: string | number;
}

function step(task: Task, resolver: Resolver, visit: SecretVisitor, stack: Task[]): Json | undefined {
  const applicable = resolver.expand(task.schemas);
  if (applicable.some(isSecretSchema)) return visit(task.value, () => pathOf(task.path));
  const value = task.value;
  if (Array.isArray(value)) {
    const copy: (Json | undefined)[] = value.slice();
    for (let i = value.length - 1; i >= 0; i--) {
      const children = itemSchemas(applicable, i);
      if (children.length > 0) stack.push({ schemas: children, value: value[i], path: { key: i, parent: task.path }, target: copy, key: i });
    }
    return copy as Json;
  }
  if (isObject(value)) {
    const copy: Record<string, Json | undefined> = {};
    const keys = Object.keys(value);
    for (const key of keys) setOwn(copy, key, value[key]);
    for (let i = keys.length - 1; i >= 0; i--) {
      const key = keys[i];
      const children = propertySchemas(applicable, key, resolver);
      if (children.length > 0) stack.push({ schemas: children, value: value[key], path: { key, parent: task.path }, target: copy, key });
    }
    return copy as Json;
  }
  return value;
}

function propertySchemas(schemas: Schema[], key: string, resolver: Resolver): unknown[] {
  const out: unknown[] = [];
  for (const s of schemas) {
    let declared = false;
    if (isObject(s.properties) && hasOwn(s.properties, key)) {
      out.push(s.properties[key]);
      declared = true;
    }
    if (isObject(s.patternProperties)) {
      for (const [pattern, child] of Object.entries(s.patternProperties)) {
        if (resolver.matches(pattern, key)) {
          out.push(child);
          declared = true;
        }
      }
    }
    if (!declared) {
      if (isObject(s.additionalProperties)) out.push(s.additionalProperties);
      if (isObject(s.unevaluatedProperties)) out.push(s.unevaluatedProperties);
    }
  }
  return out;
}

function itemSchemas(schemas: Schema[], index: number): unknown[] {
  const out: unknown[] = [];
  for (const s of schemas) {
    const prefix = Array.isArray(s.prefixItems) ? s.prefixItems : Array.isArray(s.items) ? s.items : null;
    if (prefix !== null && index < prefix.length) {
      out.push(prefix[index]);
    } else if (Array.isArray(s.items)) {
      if (isObject(s.additionalItems)) out.push(s.additionalItems);
    } else if (isObject(s.items)) {
      out.push(s.items);
    }
    if (isObject(s.contains)) out.push(s.contains);
    if (isObject(s.unevaluatedItems) && (prefix === null || index >= prefix.length)) out.push(s.unevaluatedItems);
  }
  return out;
}

function pathOf(path: SecretPath | null): (string | number)[] {
  const out: (string | number)[] = [];
  for (let node = path; node !== null; node = node.parent) out.push(node.key);
  return out.reverse();
}

const resolvers = new WeakMap<object, Resolver>();

function resolverFor(root: unknown): Resolver {
  if (!isObject(root)) return new Resolver(root);
  let resolver = resolvers.get(root);
  if (!resolver) {
    resolver = new Resolver(root);
    resolvers.set(root, resolver);
  }
  return resolver;
}

/** `$ref` resolution and combinator expansion for one root schema; built once per schema object. */
class Resolver {
  private readonly ids = new Map<string, Schema>();
  private readonly anchors = new Map<string, Schema>();
  private readonly patterns = new Map<string, LinearRegExp | null>();
  private readonly base: string | null;

  constructor(private readonly root: unknown) {
    this.base = isObject(root) && typeof root.$id === 'string' ? root.$id : null;
    this.index();
  }

  /** The schemas that apply at one place: the given ones plus everything their combinators and refs reach. */
  expand(schemas: unknown[]): Schema[] {
    const seen = new Set<Schema>();
    const out: Schema[] = [];
    const work = [...schemas];
    while (work.length > 0) {
      const s = work.pop();
      if (!isObject(s) || seen.has(s)) continue;
      seen.add(s);
      out.push(s);
      for (const keyword of ['allOf', 'anyOf', 'oneOf'] as const) {
        const list = s[keyword];
        if (Array.isArray(list)) work.push(...(list as unknown[]));
      }
      work.push(s.then, s.else);
      for (const keyword of ['dependentSchemas', 'dependencies'] as const) {
        const map = s[keyword];
        if (isObject(map)) for (const child of Object.values(map)) if (isObject(child)) work.push(child);
      }
      for (const keyword of ['$ref', '$dynamicRef', '$recursiveRef'] as const) {
        const ref = s[keyword];
        if (typeof ref === 'string') work.push(this.resolve(ref));
      }
    }
    return out;
  }

  /** patternProperties matching, linear time; a pattern RE2 refuses matches every key (conservative). */
  matches(pattern: string, key: string): boolean {
    let re = this.patterns.get(pattern);
    if (re === undefined) {
      try {
        re = linearRegExp(pattern);
      } catch {
        re = null;
      }
      this.patterns.set(pattern, re);
    }
    return re === null || re.test(key);
  }

  private resolve(ref: string): unknown {
    const hash = ref.indexOf('#');
    const location = hash < 0 ? ref : ref.slice(0, hash);
    const fragment = hash < 0 ? '' : safeDecode(ref.slice(hash + 1));
    const document = location === '' ? this.root : (this.ids.get(location) ?? this.ids.get(this.absolute(location) ?? ''));
    if (document === undefined) return undefined;
    if (fragment === '') return document;
    if (fragment.startsWith('/')) return pointer(document, fragment);
    return this.anchors.get(fragment);
  }

  private absolute(uri: string): string | null {
    try {
      const url = this.base === null ? new URL(uri) : new URL(uri, this.base);
      url.hash = '';
      return url.href;
    } catch {
      return null;
    }
  }

  /** Every `$id` and `$anchor` in the schema tree (iterative: schemas may nest deep). */
  private index(): void {
    const stack: unknown[] = [this.root];
    const seen = new Set<object>();
    while (stack.length > 0) {
      const node = stack.pop();
      if (typeof node !== 'object' || node === null || seen.has(node)) continue;
      seen.add(node);
      if (Array.isArray(node)) {
        stack.push(...(node as unknown[]));
        continue;
      }
      const s = node as Schema;
      if (typeof s.$id === 'string') {
        if (s.$id.startsWith('#')) this.anchors.set(s.$id.slice(1), s);
        else {
          const bare = s.$id.replace(/#$/, '');
          this.ids.set(bare, s);
          const absolute = this.absolute(bare);
          if (absolute !== null) this.ids.set(absolute, s);
        }
      }
      if (typeof s.$anchor === 'string') this.anchors.set(s.$anchor, s);
      if (typeof s.$dynamicAnchor === 'string' && !this.anchors.has(s.$dynamicAnchor)) this.anchors.set(s.$dynamicAnchor, s);
      for (const child of Object.values(s)) if (typeof child === 'object' && child !== null) stack.push(child);
    }
  }
}

function pointer(document: unknown, fragment: string): unknown {
  let node: unknown = document;
  for (const raw of fragment.split('/').slice(1)) {
    const token = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    if (Array.isArray(node)) node = /^\d+$/.test(token) ? node[Number(token)] : undefined;
    else if (isObject(node) && hasOwn(node, token)) node = node[token];
    else return undefined;
  }
  return node;
}

function safeDecode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

function isObject(value: unknown): value is Schema {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function hasOwn(object: object, key: string): boolean {
  return Object.prototype.hasOwnProperty.call(object, key);
}

function setOwn(target: Record<string | number, unknown> | unknown[], key: string | number, value: unknown): void {
  Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
}
