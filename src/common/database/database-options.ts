/** Where the app's database is, as DatabaseModule.forRoot was given it. */
export interface DatabaseOptions {
  url: string;
  poolSize: number;
  embedded: boolean;
  /** PGlite, the embedded fallback: one session, so the pool is exactly one connection. */
  singleSession?: boolean;
  /** false: no LISTEN connection (DATABASE_LISTEN=false); wake-ups come from polls and in-process events. */
  listen?: boolean;
}

export const DATABASE_OPTIONS = Symbol('DATABASE_OPTIONS');
