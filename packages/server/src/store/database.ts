/**
 * The whole storage surface KubeOps modules use: parameterised queries and
 * transactions. Implemented over a `pg` pool (external PostgreSQL) and over
 * PGlite (embedded), so every module runs unchanged on both.
 *
 * Conventions that keep both backends returning the same shapes: select
 * bigint/numeric columns as `::text` or `::int`; timestamps come back as Date.
 */
export interface Queryable {
  query<T = Record<string, unknown>>(sql: string, params?: unknown[]): Promise<QueryResult<T>>;
  /** Runs a script of several statements with no parameters (migrations). */
  exec(sql: string): Promise<void>;
}

export interface QueryResult<T> {
  rows: T[];
  rowCount: number;
}

export interface Database extends Queryable {
  readonly kind: 'postgres' | 'pglite';
  /** Runs `fn` in one transaction on one session; rolls back if it throws. */
  transaction<T>(fn: (tx: Queryable) => Promise<T>): Promise<T>;
  /** Resolves when the database answers. */
  ping(): Promise<void>;
  /** Pool state for metrics (PGlite reports one connection). */
  poolStats(): { total: number; idle: number; waiting: number };
  close(): Promise<void>;
}

/** PostgreSQL error code, when the error came from the database. */
export function pgErrorCode(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : undefined;
}

export const UNIQUE_VIOLATION = '23505';
