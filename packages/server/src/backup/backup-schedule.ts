import { randomUUID } from 'node:crypto';
import { Cron } from 'croner';
import type { ServerContext } from '../context.js';
import type { TargetComponent } from '../targets.js';
import { deleteBackup, listBackups, readManifest } from './backup-manifest.js';
import { backupState } from './state-backup.js';

/** Deletes scheduled backups beyond the newest `keep`; manual ones are left alone. */
export async function pruneScheduledBackups(
  ctx: Pick<ServerContext, 'objects'>,
  keep: number,
): Promise<string[]> {
  const scheduled: string[] = [];
  for (const id of await listBackups(ctx.objects)) {
    if ((await readManifest(ctx.objects, id)).trigger === 'schedule') scheduled.push(id);
  }
  const removed = scheduled.slice(0, Math.max(0, scheduled.length - keep));
  for (const id of removed) await deleteBackup(ctx.objects, id);
  return removed;
}

/**
 * Runs the backup due at `slot` unless another replica already claimed it:
 * the claim is a row keyed by the scheduled time, so however many replicas
 * run the schedule, each time is backed up once.
 */
export async function runScheduledBackup(
  ctx: Pick<ServerContext, 'db' | 'objects' | 'config' | 'logger'>,
  slot: Date,
  holder: string,
): Promise<string | undefined> {
  const { rows } = await ctx.db.query<{ slot: Date }>(
    `INSERT INTO backup_runs (slot, holder) VALUES ($1, $2) ON CONFLICT (slot) DO NOTHING RETURNING slot`,
    [slot.toISOString(), holder],
  );
  if (rows.length === 0) return undefined;
  try {
    const manifest = await backupState(ctx.db, ctx.objects, {
      trigger: 'schedule',
      now: new Date(),
    });
    await ctx.db.query(
      'UPDATE backup_runs SET finished_at = now(), backup_id = $2 WHERE slot = $1',
      [slot.toISOString(), manifest.id],
    );
    const removed = await pruneScheduledBackups(ctx, ctx.config.backup.keep);
    ctx.logger.info(
      {
        backup: manifest.id,
        location: ctx.objects.location,
        tables: manifest.tables.length,
        pruned: removed.length,
      },
      'scheduled backup written',
    );
    return manifest.id;
  } catch (error) {
    await ctx.db
      .query('UPDATE backup_runs SET finished_at = now(), error = $2 WHERE slot = $1', [
        slot.toISOString(),
        error instanceof Error ? error.message : String(error),
      ])
      .catch(() => undefined);
    throw error;
  }
}

/** Backups on config.backup.schedule, while the inspector target runs. */
export const scheduledBackupComponent: TargetComponent = {
  name: 'backup-schedule',
  async start(ctx) {
    const { schedule, timezone } = ctx.config.backup;
    if (!schedule) return async () => undefined;
    const holder = randomUUID();
    let running: Promise<void> = Promise.resolve();
    // The claim is keyed by the time the run was due, which every replica computes alike.
    let due: Date | null = null;
    const job = new Cron(schedule, { timezone, protect: true }, (self: Cron) => {
      const slot = due ?? new Date(Math.floor(Date.now() / 1000) * 1000);
      due = self.nextRun(new Date(slot.getTime() + 1000));
      running = runScheduledBackup(ctx, slot, holder).then(
        () => undefined,
        (error: unknown) =>
          ctx.logger.error(
            { err: error, location: ctx.objects.location },
            'scheduled backup failed',
          ),
      );
      return running;
    });
    due = job.nextRun();
    ctx.logger.info(
      { schedule, timezone, next: due?.toISOString(), location: ctx.objects.location },
      'backups scheduled',
    );
    return async () => {
      job.stop();
      await running;
    };
  },
};
