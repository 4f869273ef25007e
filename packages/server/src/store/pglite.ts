import { mkdirSync } from 'node:fs';
import { PGlite } from '@electric-sql/pglite';
import type { Database, Queryable, QueryResult } from './database.js';

type PGliteSession = Pick<PGlite, 'query' | 'exec'>;

function wrap(session: PGliteSession): Queryable {
  return {
    async query<T>(sql: string, params: unknown[] = []): Promise<QueryResult<T>> {
      const result = await session.query<T>(sql, params);
      return { rows: result.rows, rowCount: result.affectedRows ?? result.rows.length };
    },
    async exec(sql: string): Promise<void> {
      await session.exec(sql);
    },
  };
}

/** Embedded PostgreSQL in `dir`, for running KubeOps with nothing else installed. */
export async function openPglite(dir: string, schema?: string): Promise<Database> {
  mkdirSync(dir, { recursive: true });
  const db = await PGlite.create(dir);
  if (schema)
    await db.exec(`CREATE SCHEMA IF NOT EXISTS "${schema}"; SET search_path TO "${schema}";`);
  return {
    kind: 'pglite',
    ...wrap(db),
    transaction: <T>(fn: (tx: Queryable) => Promise<T>) => db.transaction((tx) => fn(wrap(tx))),
    async ping() {
      await db.query('SELECT 1');
    },
    poolStats: () => ({ total: 1, idle: 1, waiting: 0 }),
    close: () => db.close(),
  };
}
