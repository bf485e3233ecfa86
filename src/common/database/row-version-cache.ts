import { deepFreeze } from '../deep-freeze.js';

interface Entry<T> {
  version: string;
  row: T;
}

/** One filter's last ordered listing, and the exact row versions it was built from. */
interface Listing<T> {
  /** "id version" of every row in it. */
  pairs: Set<string>;
  /** The version list text last seen to match it (the database's own order of the pairs). */
  versions: string | null;
  rows: readonly T[];
}

/** Filters remembered: a handful in practice (none, one plugin type, the enabled providers ...). */
const LISTINGS = 64;

/**
 * Rows of one table as last read, each under its id and the PostgreSQL row version it was read at
 * (`xmin`: the transaction that wrote that version of the row), and the ordered listings they make
 * per filter. Every write to a row, by this process, another replica or anyone with SQL, gives it
 * a new xmin; an insert or a delete changes the set of rows. So a list query reads, on every call
 * and in the database, the (id, xmin) pair of each row it matches, and a cached listing is served
 * only when that set is exactly the one it was built from: same rows, same versions, hence the same
 * contents and the same order. Nothing is served on time alone. (The one theoretical false hit: a
 * row rewritten 2^32 transactions later by a transaction whose id happens to equal the cached one,
 * while the entry stayed in this process all along.) Used by PluginInterfaceRepository.list.
 *
 * Rows and listings are deep-frozen when they go in: the same objects are handed to every later
 * caller, and the read side's per-object memos (masking, gRPC mapping and encoding) hang on them.
 */
export class RowVersionCache<T extends object> {
  private readonly entries = new Map<string, Entry<T>>();
  private readonly listings = new Map<string, Listing<T>>();

  constructor(private readonly capacity: number) {}

  /**
   * The listing cached under `filter` when `versions` (the "id version" pairs the database matched,
   * comma-separated, in any order) is exactly the set it was built from; otherwise undefined.
   */
  listing(filter: string, versions: string): readonly T[] | undefined {
    const listing = this.listings.get(filter);
    if (listing === undefined) return undefined;
    if (listing.versions === versions) return listing.rows;
    const pairs = versions === '' ? [] : versions.split(',');
    if (pairs.length !== listing.pairs.size || !pairs.every((pair) => listing.pairs.has(pair))) return undefined;
    listing.versions = versions;
    return listing.rows;
  }

  /**
   * Caches rows just read (in their listing order) and the listing they make under `filter`. A row
   * already cached at the same version keeps its cached object (and so its memos).
   */
  remember(filter: string, read: readonly { id: string; version: string; row: T }[]): readonly T[] {
    const rows = Object.freeze(read.map(({ id, version, row }) => this.keep(id, version, row)));
    this.listings.delete(filter);
    if (this.listings.size >= LISTINGS) this.listings.delete(this.listings.keys().next().value as string);
    this.listings.set(filter, { pairs: new Set(read.map(({ id, version }) => `${id} ${version}`)), versions: null, rows });
    return rows;
  }

  /** Forgets a row (deleted here; another replica's delete shows in the version list anyway). */
  delete(id: string): void {
    this.entries.delete(id);
  }

  get size(): number {
    return this.entries.size;
  }

  private keep(id: string, version: string, row: T): T {
    const current = this.entries.get(id);
    if (current !== undefined && current.version === version) return current.row;
    this.entries.delete(id);
    if (this.entries.size >= this.capacity) this.entries.delete(this.entries.keys().next().value as string);
    const frozen = deepFreeze(row);
    this.entries.set(id, { version, row: frozen });
    return frozen;
  }
}
