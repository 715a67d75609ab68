/** One row of a query, column name to value. */
export type SqlRow = Record<string, unknown>;

/** Runs one statement inside a transaction; `$1`, `$2`… are its parameters (PostgreSQL style). */
export type SqlQuery = (sql: string, params?: readonly unknown[]) => Promise<SqlRow[]>;

/**
 * The little a {@link RegistryStore} needs from a database: transactions of
 * parameterised statements. SQLite and PostgreSQL each implement it; the SQL
 * above it is written once, in the subset both speak.
 */
export interface SqlDriver {
  /** Which database. */
  readonly dialect: "sqlite" | "postgres";
  /**
   * Runs `fn` in one transaction: committed when it resolves, rolled back
   * when it throws. Row locks taken with `SELECT … FOR UPDATE` hold until the
   * end (PostgreSQL); SQLite serialises whole transactions instead.
   */
  transaction<T>(fn: (query: SqlQuery) => Promise<T>): Promise<T>;
  /** Closes the connections. */
  close(): Promise<void>;
}
