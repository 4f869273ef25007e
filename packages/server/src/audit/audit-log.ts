import type {
  AuditEntry,
  AuditPage,
  AuditQuery,
  AuditResult,
  AuditTarget,
} from '@kubeops/contracts';
import type { Database, Queryable } from '../store/database.js';
import type { Metrics } from '../core/metrics.js';
import { invalidInput } from '../core/errors.js';
import type { ObjectStore } from '../providers/storage/index.js';
import { archiveExpiredEntries } from './audit-archive.js';

export interface AuditRecord {
  action: string;
  result: AuditResult;
  actor?: string | null | undefined;
  actorId?: string | null | undefined;
  sourceIp?: string | null | undefined;
  userAgent?: string | null | undefined;
  target?: Partial<AuditTarget> | undefined;
  statusCode?: number | null | undefined;
  requestId?: string | null | undefined;
  details?: Record<string, unknown> | undefined;
}

export type AuditFilter = Omit<AuditQuery, 'cursor' | 'limit'>;

type Row = {
  id: string;
  time: Date;
  actor: string | null;
  actor_id: string | null;
  source_ip: string | null;
  user_agent: string | null;
  action: string;
  cluster: string | null;
  namespace: string | null;
  kind: string | null;
  name: string | null;
  result: AuditResult;
  status_code: number | null;
  request_id: string | null;
  details: Record<string, unknown> | null;
};

const toEntry = (r: Row): AuditEntry => ({
  id: r.id,
  time: new Date(r.time).toISOString(),
  actor: r.actor,
  actorId: r.actor_id,
  sourceIp: r.source_ip,
  userAgent: r.user_agent,
  action: r.action,
  target: { cluster: r.cluster, namespace: r.namespace, kind: r.kind, name: r.name },
  result: r.result,
  statusCode: r.status_code,
  requestId: r.request_id,
  details: r.details ?? {},
});

const COLUMNS = `id::text AS id, time, actor, actor_id, source_ip, user_agent, action, cluster, namespace, kind, name,
  result, status_code, request_id, details`;

/**
 * RFC 3339 allows offsets PostgreSQL refuses (e.g. -22:09); the instant is
 * what matters, so it is passed on in UTC.
 */
function utcInstant(field: string, value: string): string {
  const time = new Date(value);
  if (Number.isNaN(time.getTime()))
    throw invalidInput(field, `${JSON.stringify(value)} is not a date-time`);
  return time.toISOString();
}

function whereClause(filter: AuditFilter, params: unknown[]): string {
  const conditions: string[] = [];
  const add = (sql: string, value: unknown) => {
    params.push(value);
    conditions.push(sql.replace('?', `$${params.length}`));
  };
  if (filter.actor) add('actor = ?', filter.actor);
  if (filter.action) {
    if (filter.action.endsWith('*')) add('starts_with(action, ?)', filter.action.slice(0, -1));
    else add('action = ?', filter.action);
  }
  if (filter.result) add('result = ?', filter.result);
  if (filter.cluster) add('cluster = ?', filter.cluster);
  if (filter.namespace) add('namespace = ?', filter.namespace);
  if (filter.kind) add('kind = ?', filter.kind);
  if (filter.name) add('name = ?', filter.name);
  if (filter.since) add('time >= ?::timestamptz', utcInstant('query.since', filter.since));
  if (filter.until) add('time < ?::timestamptz', utcInstant('query.until', filter.until));
  return conditions.length ? conditions.join(' AND ') : 'true';
}

const CSV_COLUMNS = [
  'id',
  'time',
  'actor',
  'actorId',
  'sourceIp',
  'userAgent',
  'action',
  'cluster',
  'namespace',
  'kind',
  'name',
  'result',
  'statusCode',
  'requestId',
  'details',
] as const;

function csvCell(value: unknown): string {
  if (value === null || value === undefined) return '';
  let text = typeof value === 'object' ? JSON.stringify(value) : String(value);
  // Spreadsheet formula injection: a cell starting with = + - @ is executed by Excel and friends.
  if (/^[=+\-@\t\r]/.test(text)) text = `'${text}`;
  return /[",\n\r]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

export function csvRow(entry: AuditEntry): string {
  const flat: Record<string, unknown> = { ...entry, ...entry.target };
  return CSV_COLUMNS.map((c) => csvCell(flat[c])).join(',');
}
export const CSV_HEADER = CSV_COLUMNS.join(',');

/**
 * The append-only audit log. Rows are only inserted; a trigger in the
 * database refuses UPDATE, DELETE and TRUNCATE except the retention job's.
 * Other modules call `record()` (e.g. for exec sessions and provider changes).
 */
export class AuditLog {
  constructor(
    private readonly db: Database,
    private readonly metrics?: Metrics,
  ) {}

  async record(entry: AuditRecord, tx: Queryable = this.db): Promise<void> {
    // PostgreSQL text cannot hold NUL; what a client sent must never stop the record.
    const text = (value: string | null | undefined) =>
      value?.replaceAll('\u0000', '\uFFFD') ?? null;
    await tx.query(
      `INSERT INTO audit_log (actor, actor_id, source_ip, user_agent, action, cluster, namespace, kind, name,
         result, status_code, request_id, details)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13::jsonb)`,
      [
        text(entry.actor),
        entry.actorId ?? null,
        text(entry.sourceIp),
        text(entry.userAgent?.slice(0, 512)),
        text(entry.action),
        text(entry.target?.cluster),
        text(entry.target?.namespace),
        text(entry.target?.kind),
        text(entry.target?.name),
        entry.result,
        entry.statusCode ?? null,
        text(entry.requestId),
        JSON.stringify(entry.details ?? {}).replaceAll('\\u0000', '\\uFFFD'),
      ],
    );
    this.metrics?.auditWrites.inc({ result: entry.result });
  }

  /** Newest first; pass `nextCursor` back as `cursor` for the next page. */
  async query(query: AuditQuery): Promise<AuditPage> {
    const limit = query.limit ?? 100;
    const params: unknown[] = [];
    let where = whereClause(query, params);
    if (query.cursor) {
      params.push(query.cursor);
      where += ` AND audit_log.id < $${params.length}::bigint`;
    }
    params.push(limit + 1);
    const { rows } = await this.db.query<Row>(
      `SELECT ${COLUMNS} FROM audit_log WHERE ${where} ORDER BY audit_log.id DESC LIMIT $${params.length}`,
      params,
    );
    const items = rows.slice(0, limit).map(toEntry);
    return {
      items,
      nextCursor: rows.length > limit ? (items[items.length - 1]?.id ?? null) : null,
    };
  }

  /** Every matching entry, newest first, a page at a time (exports never hold the whole log in memory at once). */
  async *entries(filter: AuditFilter, pageSize = 1000): AsyncGenerator<AuditEntry> {
    let cursor: string | undefined;
    for (;;) {
      const page = await this.query({
        ...filter,
        limit: Math.min(pageSize, 500),
        ...(cursor ? { cursor } : {}),
      });
      yield* page.items;
      if (!page.nextCursor) return;
      cursor = page.nextCursor;
    }
  }

  /**
   * Deletes entries older than the retention period; the only path the
   * database trigger lets through. With an archive store, the entries are
   * first copied there in the same transaction, and only what was copied is
   * deleted.
   */
  async applyRetention(
    retentionDays: number,
    archive?: ObjectStore,
  ): Promise<{ removed: number; archivedTo?: string }> {
    return this.db.transaction(async (tx) => {
      await tx.query(`SELECT set_config('kubeops.audit_retention', 'on', true)`);
      const { rows } = await tx.query<{
        cutoff: string;
        first_id: string | null;
        last_id: string | null;
        first_time: Date | null;
        last_time: Date | null;
      }>(
        `WITH bound AS (SELECT (now() - $1 * interval '1 day') AS cutoff)
         SELECT bound.cutoff::text AS cutoff, min(a.id)::text AS first_id, max(a.id)::text AS last_id,
                min(a.time) AS first_time, max(a.time) AS last_time
           FROM bound LEFT JOIN audit_log a ON a.time < bound.cutoff GROUP BY bound.cutoff`,
        [Math.max(retentionDays, 1)],
      );
      const due = rows[0];
      if (!due?.last_id || !due.first_id || !due.first_time || !due.last_time)
        return { removed: 0 };
      let archivedTo: string | undefined;
      if (archive) {
        archivedTo = (
          await archiveExpiredEntries(tx, archive, {
            cutoff: due.cutoff,
            firstId: due.first_id,
            lastId: due.last_id,
            firstTime: new Date(due.first_time),
            lastTime: new Date(due.last_time),
          })
        ).key;
      }
      const { rowCount } = await tx.query(
        `DELETE FROM audit_log WHERE time < $1::timestamptz AND id <= $2::bigint`,
        [due.cutoff, due.last_id],
      );
      return archivedTo ? { removed: rowCount, archivedTo } : { removed: rowCount };
    });
  }
}
