/** Where the app's database is, as DatabaseModule.forRoot was given it. */
export interface DatabaseOptions {
  url: string;
  poolSize: number;
  embedded: boolean;
}

export const DATABASE_OPTIONS = Symbol('DATABASE_OPTIONS');
