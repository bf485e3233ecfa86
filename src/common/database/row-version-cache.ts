import { isDeepStrictEqual } from 'node:util';
import { deepFreeze } from '../deep-freeze.js';

interface Entry<T> {
  version: string;
  row: T;
}

/** One filter's last ordered listing and the table version it was read at. */
interface Listing<T> {
  tableVersion: string;
  rows: readonly T[];
}

/** Filters remembered: a handful in practice (none, one plugin type, the enabled providers ...). */
const LISTINGS = 64;

/**
 * Listings of one table as last read, per filter, under the table version they were read at; and
 * the rows in them, under their id and PostgreSQL row version (`xmin`).
 *
 * The table version is a counter in the database that every statement writing the table raises
 * in its own transaction (a trigger: any replica, any SQL client), read in the same statement as
 * the rows. A listing is served only when the database answers exactly the version it was read
 * at: then no write has been committed since, and the rows, their contents and their order are
 * what a fresh read would give. Nothing is served on time alone, and there is no invalidation to
 * forget. The row versions (with a comparison of contents) only keep an unchanged row's object
 * across re-reads, so that the memos that hang on it (masking, gRPC mapping and encoding) survive
 * a write to another row.
 *
 * Rows and listings are deep-frozen when they go in: the same objects are handed to every later
 * caller, so nothing may change them in place. Used by PluginInterfaceRepository.list.
 */
export class RowVersionCache<T extends object> {
  private readonly entries = new Map<string, Entry<T>>();
  private readonly listings = new Map<string, Listing<T>>();

  constructor(private readonly capacity: number) {}

  /** The listing cached under `filter` if it was read at exactly this table version. */
  listing(filter: string, tableVersion: string): readonly T[] | undefined {
    const listing = this.listings.get(filter);
    return listing !== undefined && listing.tableVersion === tableVersion ? listing.rows : undefined;
  }

  /**
   * Caches rows just read at `tableVersion` (in their listing order) as the listing of `filter`.
   * A row already cached at the same row version keeps its cached object.
   */
  remember(filter: string, tableVersion: string, read: readonly { id: string; version: string; row: T }[]): readonly T[] {
    const rows = Object.freeze(read.map(({ id, version, row }) => this.keep(id, version, row)));
    this.listings.delete(filter);
    if (this.listings.size >= LISTINGS) this.listings.delete(this.listings.keys().next().value as string);
    this.listings.set(filter, { tableVersion, rows });
    return rows;
  }

  /** Forgets a row (deleted here; the table version tells every replica anyway). */
  delete(id: string): void {
    this.entries.delete(id);
  }

  get size(): number {
    return this.entries.size;
  }

  private keep(id: string, version: string, row: T): T {
    const current = this.entries.get(id);
    // Same row version and, to be sure (an xmin can come round again after 2^32 transactions), the
    // same contents: only then the cached object, with its memos, stands for the row read now.
    if (current !== undefined && current.version === version && isDeepStrictEqual(current.row, row)) return current.row;
    this.entries.delete(id);
    if (this.entries.size >= this.capacity) this.entries.delete(this.entries.keys().next().value as string);
    const frozen = deepFreeze(row);
    this.entries.set(id, { version, row: frozen });
    return frozen;
  }
}
