import type { Database } from '../store/database.js';
import { ensurePartition } from './change-writer.js';

const TABLES = { changes: 'cdc_changes', events: 'cdc_kube_events' } as const;

const dayOffset = (days: number) => {
  const d = new Date();
  d.setUTCDate(d.getUTCDate() + days);
  return d.toISOString().slice(0, 10);
};

/**
 * Drops whole day partitions past retention (no row-by-row deletes on the
 * big tables), forgets the idempotency keys of changes that old, and creates
 * the next days' partitions ahead of time. Returns the partitions dropped.
 */
export async function applyHistoryRetention(
  db: Database,
  retention: { changes: number; events: number },
): Promise<string[]> {
  const dropped: string[] = [];
  for (const [kind, table] of Object.entries(TABLES) as Array<[keyof typeof TABLES, string]>) {
    for (const day of [0, 1, 2]) await ensurePartition(db, table, dayOffset(day));
    const cutoff = dayOffset(-retention[kind]).replaceAll('-', '');
    const { rows } = await db.query<{ name: string }>(
      `SELECT c.relname AS name FROM pg_inherits i
       JOIN pg_class c ON c.oid = i.inhrelid JOIN pg_class p ON p.oid = i.inhparent
       JOIN pg_namespace n ON n.oid = p.relnamespace
       WHERE p.relname = $1 AND n.nspname = current_schema()`,
      [table],
    );
    for (const { name } of rows) {
      const day = /_p(\d{8})$/.exec(name)?.[1];
      if (!day || day >= cutoff) continue;
      await db.query(`DROP TABLE IF EXISTS ${name}`);
      dropped.push(name);
    }
  }
  const keep = Math.min(retention.changes, retention.events);
  await db.query(`DELETE FROM cdc_change_keys WHERE observed_at < now() - $1 * interval '1 day'`, [
    keep,
  ]);
  return dropped;
}
