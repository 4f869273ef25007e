import type { Queryable } from '../store/database.js';

/**
 * Tables whose rows are not part of KubeOps's state: the migration ledger
 * (a backup records it in its manifest instead), sign-in sessions, MFA
 * challenges, WebSocket tickets and login failure counters (short-lived, and
 * reviving revoked sessions would be wrong), runner leases, and the backup
 * bookkeeping itself. Every other table is backed up, so a table a module
 * adds later is never silently left out.
 */
export const TRANSIENT_TABLES = new Set([
  'kubeops_migrations',
  'session_families',
  'refresh_tokens',
  'login_failures',
  'mfa_challenges',
  'websocket_tickets',
  'inspector_leases',
  'backup_runs',
]);

/**
 * The change history (cdc_*) is not state to restore: it is day-partitioned,
 * can be far larger than everything else, and a restored installation
 * records changes afresh from its first relist.
 */
const isChangeHistory = (table: string) => table.startsWith('cdc_');

/**
 * Rows that migrations insert themselves: a database holding only these
 * still counts as empty (a restore replaces them with the backup's).
 */
export const SEEDED_ROWS: Record<string, string> = {
  roles: 'builtin',
};

export interface TableInfo {
  name: string;
  /** Columns a row can be written to, in table order (generated columns excluded). */
  columns: string[];
  /** Identity or serial columns, whose sequences a restore moves past the restored values. */
  sequenced: string[];
  hasIdentity: boolean;
}

export const quoteIdent = (name: string) => `"${name.replaceAll('"', '""')}"`;

/** The KubeOps tables in the current schema, parents before the tables that reference them. */
export async function stateTables(db: Queryable): Promise<TableInfo[]> {
  // Partitions are read and written through their parent table, never on their own.
  const { rows: tables } = await db.query<{ name: string }>(
    `SELECT c.relname AS name FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE n.nspname = current_schema() AND c.relkind IN ('r', 'p') AND NOT c.relispartition
      ORDER BY c.relname`,
  );
  const { rows: columns } = await db.query<{
    table_name: string;
    column_name: string;
    is_generated: string;
    is_identity: string;
    column_default: string | null;
  }>(
    `SELECT table_name, column_name, is_generated, is_identity, column_default
       FROM information_schema.columns
      WHERE table_schema = current_schema() ORDER BY table_name, ordinal_position`,
  );
  const { rows: references } = await db.query<{ child: string; parent: string }>(
    `SELECT child.relname AS child, parent.relname AS parent
       FROM pg_constraint c
       JOIN pg_class child ON child.oid = c.conrelid
       JOIN pg_class parent ON parent.oid = c.confrelid
       JOIN pg_namespace n ON n.oid = child.relnamespace
      WHERE c.contype = 'f' AND n.nspname = current_schema()`,
  );
  const infos = new Map<string, TableInfo>();
  for (const { name } of tables) {
    if (TRANSIENT_TABLES.has(name) || isChangeHistory(name)) continue;
    infos.set(name, { name, columns: [], sequenced: [], hasIdentity: false });
  }
  for (const column of columns) {
    const info = infos.get(column.table_name);
    if (!info || column.is_generated === 'ALWAYS') continue;
    info.columns.push(column.column_name);
    const identity = column.is_identity === 'YES';
    if (identity) info.hasIdentity = true;
    if (identity || column.column_default?.startsWith('nextval(')) {
      info.sequenced.push(column.column_name);
    }
  }
  // Depth-first: each table after the tables it references (self-references ignored).
  const ordered: TableInfo[] = [];
  const visiting = new Set<string>();
  const done = new Set<string>();
  const visit = (name: string) => {
    if (done.has(name) || visiting.has(name) || !infos.has(name)) return;
    visiting.add(name);
    for (const r of references) if (r.child === name && r.parent !== name) visit(r.parent);
    visiting.delete(name);
    done.add(name);
    ordered.push(infos.get(name)!);
  };
  for (const name of infos.keys()) visit(name);
  return ordered;
}

/** Applied migrations by module, e.g. { core: [1, 2, 3, 4], clusters: [1] }. */
export async function appliedMigrations(db: Queryable): Promise<Record<string, number[]>> {
  const { rows: exists } = await db.query<{ exists: boolean }>(
    `SELECT to_regclass('kubeops_migrations') IS NOT NULL AS exists`,
  );
  if (exists[0]?.exists !== true) return {};
  const { rows } = await db.query<{ module: string; version: number }>(
    'SELECT module, version FROM kubeops_migrations ORDER BY module, version',
  );
  const out: Record<string, number[]> = {};
  for (const row of rows) (out[row.module] ??= []).push(Number(row.version));
  return out;
}
