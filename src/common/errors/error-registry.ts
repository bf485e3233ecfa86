import { status as GrpcStatus } from '@grpc/grpc-js';

/**
 * The one error table, without knowing who contributes to it.
 *
 * Every namespace of error codes (`common`, `auth`, `plugins`, ...) is a property of
 * `ErrorCodeRegistry` whose type is the union of that namespace's codes. Common declares its own
 * namespaces in error-codes.ts; each domain module declares its own in `<module>.errors.ts` by
 * declaration merging:
 *
 * ```ts
 * declare module '../../common/errors/error-registry.js' {
 *   interface ErrorCodeRegistry { plugins: PluginsErrorCode }
 * }
 * ```
 *
 * so `ErrorCode` stays one closed union (an unknown string does not compile as a code) while
 * src/common names no module. Each namespace maps its codes to the transports in an exhaustive
 * `switch` closed with `assertUnreachable` (a code without a case does not compile), wrapped in an
 * `ErrorTable`. `src/app.errors.ts` composes one table per namespace (a namespace without a table
 * does not compile there) and installs them here when it is imported; app.module.ts, the CLIs that
 * run plugins and Jest's setup import it.
 */
// eslint-disable-next-line @typescript-eslint/no-empty-object-type -- filled by declaration merging
export interface ErrorCodeRegistry {}

export type ErrorNamespace = keyof ErrorCodeRegistry;

/** Every error code the service can answer with, namespaced `<namespace>.<snake_case>`. */
export type ErrorCode = ErrorCodeRegistry[ErrorNamespace];

/** A gRPC status by name (`NOT_FOUND`), so a module's table needs no gRPC import. */
export type GrpcStatusName = keyof typeof GrpcStatus;

/** How one error code surfaces on each transport, as a namespace's table declares it. */
export interface ErrorTransport {
  grpc: GrpcStatusName;
  /** GraphQL `extensions.code`: the category a GraphQL client switches on (Apollo's names). */
  graphql: string;
  http: number;
}

/** The same, resolved for the renderers: the gRPC status as its numeric code. */
export interface TransportErrorMapping {
  grpc: GrpcStatus;
  graphql: string;
  http: number;
}

/** One namespace's codes and their transports. */
export interface ErrorTable<C extends string = string> {
  readonly codes: readonly C[];
  /** An exhaustive switch over C closed with assertUnreachable. */
  transport(code: C): ErrorTransport;
}

/** One table per namespace of the registry: what src/app.errors.ts composes. */
export type ErrorTables = { readonly [N in ErrorNamespace]: ErrorTable<ErrorCodeRegistry[N]> };

/**
 * A namespace's table. `codes` is the source of truth: declare the namespace's union as
 * `(typeof CODES)[number]` so every member of the union is listed.
 */
export function defineErrorTable<const C extends string>(codes: readonly C[], transport: (code: C) => ErrorTransport): ErrorTable<C> {
  return { codes, transport };
}

export function errorTransport(grpc: GrpcStatusName, graphql: string, http: number): ErrorTransport {
  return { grpc, graphql, http };
}

export function assertUnreachable(value: never): never {
  throw new Error(`unmapped value: ${String(value)}`);
}

/**
 * The installed table: every code, resolved to its transports once. Checks what the types cannot:
 * each code carries its namespace's prefix, no code is listed twice, gRPC names exist.
 */
export class ErrorRegistry {
  private mappings: ReadonlyMap<string, TransportErrorMapping> | null = null;
  private installedFrom: unknown = null;

  /** Installing the same tables again is a no-op; installing different ones is a wiring bug. */
  install(tables: Readonly<Record<string, ErrorTable>>): void {
    if (this.mappings !== null) {
      if (this.installedFrom === tables) return;
      throw new Error('error tables are already installed (src/app.errors.ts is the one composition)');
    }
    const mappings = new Map<string, TransportErrorMapping>();
    for (const [namespace, table] of Object.entries(tables)) {
      for (const code of table.codes) {
        if (!code.startsWith(`${namespace}.`)) throw new Error(`error code ${code} is listed in the ${namespace} table`);
        if (mappings.has(code)) throw new Error(`error code ${code} is listed twice`);
        const { grpc, graphql, http } = table.transport(code);
        const grpcCode: unknown = (GrpcStatus as unknown as Record<string, unknown>)[grpc];
        if (typeof grpcCode !== 'number') throw new Error(`error code ${code} maps to an unknown gRPC status ${grpc}`);
        mappings.set(code, { grpc: grpcCode, graphql, http });
      }
    }
    this.mappings = mappings;
    this.installedFrom = tables;
  }

  has(value: string): boolean {
    return this.installed().has(value);
  }

  mappingOf(code: string): TransportErrorMapping {
    const mapping = this.installed().get(code);
    if (mapping === undefined) throw new Error(`error code ${code} is not in the installed error tables`);
    return mapping;
  }

  codes(): string[] {
    return [...this.installed().keys()];
  }

  /** Asking before src/app.errors.ts installed the tables would answer wrongly, so it throws. */
  private installed(): ReadonlyMap<string, TransportErrorMapping> {
    if (this.mappings === null) throw new Error('error tables are not installed: import src/app.errors.js in the entry point');
    return this.mappings;
  }
}

const registry = new ErrorRegistry();

/** Called by src/app.errors.ts, once, with one table per namespace. */
export function installErrorTables(tables: ErrorTables): void {
  registry.install(tables);
}

export function isErrorCode(value: unknown): value is ErrorCode {
  return typeof value === 'string' && registry.has(value);
}

/** The only place that knows gRPC, GraphQL and HTTP error codes: the installed tables. */
export function transportMappingOf(code: ErrorCode): TransportErrorMapping {
  return registry.mappingOf(code);
}

/** Every installed code, in table order. */
export function installedErrorCodes(): ErrorCode[] {
  return registry.codes() as ErrorCode[];
}
