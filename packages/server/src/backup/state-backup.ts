import { randomBytes } from 'node:crypto';
import type { Database, Queryable } from '../store/database.js';
import { putNdjsonGz, type ObjectStore } from '../providers/storage/index.js';
import {
  BACKUP_FORMAT,
  BACKUP_FORMAT_VERSION,
  BACKUPS_PREFIX,
  manifestKey,
  newBackupId,
  type BackupManifest,
} from './backup-manifest.js';
import { appliedMigrations, quoteIdent, stateTables } from './state-tables.js';

const FETCH_ROWS = 500;

/**
 * Every row of a table as PostgreSQL's own JSON of it (timestamps, arrays,
 * jsonb and bytea keep their exact text), read through a cursor so a large
 * table is never held in memory.
 */
async function* tableLines(tx: Queryable, table: string): AsyncGenerator<string> {
  await tx.query(
    `DECLARE kubeops_backup_rows NO SCROLL CURSOR FOR SELECT row_to_json(t)::text AS line FROM ${quoteIdent(table)} AS t`,
  );
  try {
    for (;;) {
      const { rows } = await tx.query<{ line: string }>(
        `FETCH ${FETCH_ROWS} FROM kubeops_backup_rows`,
      );
      for (const row of rows) yield row.line;
      if (rows.length < FETCH_ROWS) return;
    }
  } finally {
    await tx.query('CLOSE kubeops_backup_rows');
  }
}

export interface BackupOptions {
  trigger?: BackupManifest['trigger'];
  now?: Date;
}

/**
 * Writes a consistent copy of KubeOps's state to `store`: every table read in
 * one read-only REPEATABLE READ transaction (one snapshot, so a cluster and
 * its credentials, a run and its findings always match), one gzip'd NDJSON
 * object per table, then the manifest. Secrets stay as stored (encrypted with
 * the encryption key, which is never part of a backup).
 */
export async function backupState(
  db: Database,
  store: ObjectStore,
  options: BackupOptions = {},
): Promise<BackupManifest> {
  const now = options.now ?? new Date();
  const id = newBackupId(now, randomBytes(2).toString('hex'));
  const manifest = await db.transaction(async (tx) => {
    await tx.query('SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY');
    const migrations = await appliedMigrations(tx);
    const tables: BackupManifest['tables'] = [];
    for (const table of await stateTables(tx)) {
      const key = `${BACKUPS_PREFIX}${id}/${table.name}.ndjson.gz`;
      const { rows } = await putNdjsonGz(store, key, tableLines(tx, table.name));
      tables.push({ name: table.name, key, rows, columns: table.columns });
    }
    const result: BackupManifest = {
      format: BACKUP_FORMAT,
      formatVersion: BACKUP_FORMAT_VERSION,
      id,
      createdAt: now.toISOString(),
      trigger: options.trigger ?? 'manual',
      migrations,
      tables,
    };
    return result;
  });
  await store.put(manifestKey(id), `${JSON.stringify(manifest, null, 2)}\n`, {
    contentType: 'application/json',
  });
  return manifest;
}
