import { SpanKind, SpanStatusCode, trace, type Tracer } from '@opentelemetry/api';
import {
  ATTR_DB_OPERATION_NAME,
  ATTR_DB_QUERY_TEXT,
  ATTR_DB_SYSTEM_NAME,
} from '@opentelemetry/semantic-conventions';
import type { Database, Queryable, QueryResult } from '../store/database.js';

/** The statement's verb (SELECT, INSERT, …), which names the span. */
const operationOf = (sql: string) => /^\s*(?:WITH\b[\s\S]*?\)\s*)?([A-Za-z]+)/.exec(sql)?.[1];

function tracedQueryable<Q extends Queryable>(target: Q, tracer: Tracer): Queryable {
  // Only queries made on behalf of traced work (a request, a run) get spans: background
  // loops such as lease renewals would otherwise start a trace of their own every few seconds.
  const inSpan = async <T>(sql: string, run: () => Promise<T>): Promise<T> => {
    if (!trace.getActiveSpan()) return run();
    const operation = operationOf(sql)?.toUpperCase() ?? 'QUERY';
    return tracer.startActiveSpan(
      `db ${operation}`,
      {
        kind: SpanKind.CLIENT,
        attributes: {
          [ATTR_DB_SYSTEM_NAME]: 'postgresql',
          [ATTR_DB_OPERATION_NAME]: operation,
          // Statements are parameterised: the text holds no values, so no secrets.
          [ATTR_DB_QUERY_TEXT]: sql.length > 2000 ? `${sql.slice(0, 2000)}…` : sql,
        },
      },
      async (span) => {
        try {
          return await run();
        } catch (error) {
          span.recordException(error as Error);
          span.setStatus({ code: SpanStatusCode.ERROR, message: (error as Error).message });
          throw error;
        } finally {
          span.end();
        }
      },
    );
  };
  return {
    query<T = Record<string, unknown>>(sql: string, params?: unknown[]): Promise<QueryResult<T>> {
      return inSpan(sql, () => target.query<T>(sql, params));
    },
    exec(sql: string): Promise<void> {
      return inSpan(sql, () => target.exec(sql));
    },
  };
}

/** The database with a client span around each statement (inside a transaction too). */
export function tracedDatabase(db: Database, tracer: Tracer): Database {
  const outer = tracedQueryable(db, tracer);
  return {
    kind: db.kind,
    query: outer.query,
    exec: outer.exec,
    transaction: (fn) => db.transaction((tx) => fn(tracedQueryable(tx, tracer))),
    ping: () => db.ping(),
    poolStats: () => db.poolStats(),
    close: () => db.close(),
  };
}
