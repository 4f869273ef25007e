import { KubeOpsError } from '../core/errors.js';
import type { Database, Queryable } from '../store/database.js';
import { migrate, type MigrationSet } from '../store/migrate.js';
import { readNdjsonGz, type ObjectStore } from '../providers/storage/index.js';
import { listBackups, readManifest, type BackupManifest } from './backup-manifest.js';
import { quoteIdent, SEEDED_ROWS, stateTables, type TableInfo } from './state-tables.js';

/** Append-only tables: a forced restore adds the backup's rows to them instead of emptying them. */
const APPEND_ONLY = new Set(['audit_log']);
const BATCH_ROWS = 500;
const BATCH_BYTES = 4 * 1024 * 1024;

export interface RestoreOptions {
  /** Restore into a database that already holds data: its tables are replaced. */
  force?: boolean;
}

export interface RestoreReport {
  id: string;
  tables: Array<{ name: string; rows: number }>;
}

/** The backup to restore: the one named, or the newest complete one. */
export async function resolveBackupId(store: ObjectStore, id: string | undefined): Promise<string> {
  if (id && id !== 'latest') return id;
  const ids = await listBackups(store);
  if (ids.length === 0) {
    throw new KubeOpsError('backup_not_found', 404, `no backup in ${store.location}`);
  }
  return ids[ids.length - 1]!;
}

function checkMigrations(manifest: BackupManifest, known: MigrationSet[]): void {
  const unknown: string[] = [];
  for (const [module, versions] of Object.entries(manifest.migrations)) {
    const set = known.find((s) => s.module === module);
    for (const version of versions) {
      if (!set?.migrations.some((m) => m.version === version)) unknown.push(`${module}/${version}`);
    }
  }
  if (unknown.length > 0) {
    throw new KubeOpsError(
      'backup_too_new',
      409,
      `backup ${manifest.id} was made by a newer KubeOps (its database has migrations this version does not know: ${unknown.join(', ')}); restore it with that version or a later one`,
    );
  }
}

/** Tables that hold rows of their own (not only the ones migrations seed), with their counts. */
async function occupiedTables(tx: Queryable, tables: TableInfo[]): Promise<string[]> {
  const occupied: string[] = [];
  for (const table of tables) {
    const seeded = SEEDED_ROWS[table.name];
    const { rows } = await tx.query<{ count: number }>(
      `SELECT count(*)::int AS count FROM ${quoteIdent(table.name)}${seeded ? ` WHERE NOT ${quoteIdent(seeded)}` : ''}`,
    );
    const count = rows[0]?.count ?? 0;
    if (count > 0) occupied.push(`${table.name} (${count} row${count === 1 ? '' : 's'})`);
  }
  return occupied;
}

async function insertBatch(
  tx: Queryable,
  table: TableInfo,
  columns: string[],
  lines: string[],
  appendOnly: boolean,
): Promise<void> {
  const list = columns.map(quoteIdent).join(', ');
  await tx.query(
    `INSERT INTO ${quoteIdent(table.name)} (${list})${table.hasIdentity ? ' OVERRIDING SYSTEM VALUE' : ''}
     SELECT ${list} FROM json_populate_recordset(NULL::${quoteIdent(table.name)}, $1::json)${appendOnly ? ' ON CONFLICT DO NOTHING' : ''}`,
    [`[${lines.join(',')}]`],
  );
}

/** Moves each serial/identity sequence past the restored values, so new rows get new ids. */
async function resetSequences(tx: Queryable, table: TableInfo): Promise<void> {
  for (const column of table.sequenced) {
    await tx.query(
      `SELECT setval(pg_get_serial_sequence($1, $2), coalesce(max(${quoteIdent(column)}), 0) + 1, false)
         FROM ${quoteIdent(table.name)}`,
      [quoteIdent(table.name), column],
    );
  }
}

/**
 * Restores a backup into this database: applies this version's migrations,
 * refuses a database that holds data unless forced, then loads every table
 * in one transaction (parents first), so a failed restore leaves nothing
 * half-loaded. Columns the backup lacks (added by later migrations) get
 * their defaults.
 */
export async function restoreState(
  db: Database,
  store: ObjectStore,
  requestedId: string | undefined,
  migrations: MigrationSet[],
  options: RestoreOptions = {},
): Promise<RestoreReport> {
  const id = await resolveBackupId(store, requestedId);
  const manifest = await readManifest(store, id);
  checkMigrations(manifest, migrations);
  await migrate(db, migrations);
  return db.transaction(async (tx) => {
    const targets = new Map((await stateTables(tx)).map((t) => [t.name, t]));
    const missing = manifest.tables.filter((t) => !targets.has(t.name)).map((t) => t.name);
    if (missing.length > 0) {
      throw new KubeOpsError(
        'backup_incompatible',
        409,
        `backup ${id} has tables this database does not: ${missing.join(', ')}`,
      );
    }
    const occupied = await occupiedTables(
      tx,
      manifest.tables.map((t) => targets.get(t.name)!),
    );
    if (occupied.length > 0 && !options.force) {
      throw new KubeOpsError(
        'database_not_empty',
        409,
        `the database already holds KubeOps data: ${occupied.join(', ')}. Restore onto an empty database, or pass --force to replace its tables with the backup (append-only ones such as audit_log keep their rows and gain the backup's)`,
        { details: { occupied } },
      );
    }
    // Replace the tables the backup holds, except append-only ones; tables it predates keep what migrations put there.
    const replaced = manifest.tables.map((t) => t.name).filter((name) => !APPEND_ONLY.has(name));
    if (replaced.length > 0) {
      await tx.query(`TRUNCATE ${replaced.map(quoteIdent).join(', ')} CASCADE`);
    }
    const report: RestoreReport = { id, tables: [] };
    const byName = new Map(manifest.tables.map((t) => [t.name, t]));
    for (const table of targets.values()) {
      const saved = byName.get(table.name);
      if (!saved) continue;
      const columns = saved.columns.filter((c) => table.columns.includes(c));
      const appendOnly = APPEND_ONLY.has(table.name);
      let batch: string[] = [];
      let bytes = 0;
      let rows = 0;
      for await (const line of readNdjsonGz(store, saved.key)) {
        batch.push(line);
        bytes += line.length;
        rows++;
        if (batch.length >= BATCH_ROWS || bytes >= BATCH_BYTES) {
          await insertBatch(tx, table, columns, batch, appendOnly);
          batch = [];
          bytes = 0;
        }
      }
      if (batch.length > 0) await insertBatch(tx, table, columns, batch, appendOnly);
      if (rows !== saved.rows) {
        throw new KubeOpsError(
          'backup_invalid',
          422,
          `backup ${id}: ${saved.key} holds ${rows} rows, its manifest says ${saved.rows}`,
        );
      }
      await resetSequences(tx, table);
      report.tables.push({ name: table.name, rows });
    }
    return report;
  });
}
