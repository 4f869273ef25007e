import type { Queryable } from '../store/database.js';
import { putNdjsonGz, type ObjectStore } from '../providers/storage/index.js';

export const AUDIT_ARCHIVE_PREFIX = 'audit/';
const PAGE = 1000;

/** The entries due for deletion, as PostgreSQL's JSON of each row, oldest id first. */
async function* expiredLines(
  tx: Queryable,
  cutoff: string,
  lastId: string,
): AsyncGenerator<string> {
  let after = '0';
  for (;;) {
    const { rows } = await tx.query<{ id: string; line: string }>(
      `SELECT a.id::text AS id, row_to_json(a)::text AS line FROM audit_log a
        WHERE a.time < $1::timestamptz AND a.id > $2::bigint AND a.id <= $3::bigint
        ORDER BY a.id LIMIT ${PAGE}`,
      [cutoff, after, lastId],
    );
    for (const row of rows) yield row.line;
    if (rows.length < PAGE) return;
    after = rows[rows.length - 1]!.id;
  }
}

/**
 * Copies the audit entries older than `cutoff` (up to id `lastId`) to one
 * gzip'd NDJSON object, audit/<first time>_<last time>_<first id>-<last id>.ndjson.gz.
 * Runs inside the retention transaction: if the copy fails, nothing is deleted.
 */
export async function archiveExpiredEntries(
  tx: Queryable,
  store: ObjectStore,
  range: { cutoff: string; firstId: string; lastId: string; firstTime: Date; lastTime: Date },
): Promise<{ key: string; rows: number }> {
  const stamp = (time: Date) => time.toISOString().replace(/[-:.]/g, '');
  const key = `${AUDIT_ARCHIVE_PREFIX}${stamp(range.firstTime)}_${stamp(range.lastTime)}_${range.firstId}-${range.lastId}.ndjson.gz`;
  const { rows } = await putNdjsonGz(store, key, expiredLines(tx, range.cutoff, range.lastId));
  return { key, rows };
}
