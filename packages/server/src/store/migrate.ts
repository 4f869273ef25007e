import type { Database, Queryable } from './database.js';

export interface Migration {
  version: number;
  name: string;
  sql: string;
}

/**
 * Migrations of one module, applied in `version` order and recorded per
 * module in kubeops_migrations. A module adds a set to the list in
 * store/migrations/index.ts; versions within a set never change once released.
 */
export interface MigrationSet {
  module: string;
  migrations: Migration[];
}

const LEDGER = `CREATE TABLE IF NOT EXISTS kubeops_migrations (
  module text NOT NULL,
  version integer NOT NULL,
  name text NOT NULL,
  applied_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (module, version)
)`;

// Held for each migration's transaction, so two processes starting at once
// apply every migration exactly once; keyed by schema so separate schemas don't wait on each other.
const LOCK = `SELECT pg_advisory_xact_lock(hashtext('kubeops.migrations.' || current_schema()))`;

async function appliedVersions(db: Queryable, module: string): Promise<Set<number>> {
  const { rows } = await db.query<{ version: number }>(
    'SELECT version FROM kubeops_migrations WHERE module = $1',
    [module],
  );
  return new Set(rows.map((r) => Number(r.version)));
}

export interface MigrationReport {
  applied: Array<{ module: string; version: number; name: string }>;
}

export async function migrate(db: Database, sets: MigrationSet[]): Promise<MigrationReport> {
  const report: MigrationReport = { applied: [] };
  await db.transaction(async (tx) => {
    await tx.query(LOCK);
    await tx.exec(LEDGER);
  });
  for (const set of sets) {
    const ordered = [...set.migrations].sort((a, b) => a.version - b.version);
    for (const migration of ordered) {
      await db.transaction(async (tx) => {
        await tx.query(LOCK);
        if ((await appliedVersions(tx, set.module)).has(migration.version)) return;
        await tx.exec(migration.sql);
        await tx.query(
          'INSERT INTO kubeops_migrations (module, version, name) VALUES ($1, $2, $3)',
          [set.module, migration.version, migration.name],
        );
        report.applied.push({
          module: set.module,
          version: migration.version,
          name: migration.name,
        });
      });
    }
  }
  return report;
}

/** Migrations known to this program but not yet applied (readiness reports these). */
export async function pendingMigrations(db: Database, sets: MigrationSet[]): Promise<string[]> {
  const { rows } = await db.query<{ exists: boolean }>(
    `SELECT to_regclass('kubeops_migrations') IS NOT NULL AS exists`,
  );
  const pending: string[] = [];
  const ledgerExists = rows[0]?.exists === true;
  for (const set of sets) {
    const applied = ledgerExists ? await appliedVersions(db, set.module) : new Set<number>();
    for (const m of set.migrations) {
      if (!applied.has(m.version)) pending.push(`${set.module}/${m.version}_${m.name}`);
    }
  }
  return pending;
}
