import { Command, Option } from 'commander';
import { listBackups, readManifest } from '../backup/backup-manifest.js';
import { backupState } from '../backup/state-backup.js';
import { restoreState } from '../backup/state-restore.js';
import type { Config } from '../core/config.js';
import { KubeOpsError } from '../core/errors.js';
import { openObjectStore, type ObjectStore } from '../providers/storage/index.js';
import type { Database } from '../store/database.js';
import { MIGRATIONS } from '../store/migrations/index.js';
import { openDatabase } from '../store/open.js';
import { configOrExit, withConfigOption } from './config-flags.js';

const out = (line: string) => process.stdout.write(`${line}\n`);

/**
 * Opens the configured database and object store (no server context: a
 * restore must not let start-up write a first admin or signing key into the
 * database it is about to fill), runs `fn`, and reports a KubeOpsError as
 * one line and exit code 1.
 */
async function withStateStores(
  configFile: string | undefined,
  fn: (config: Config, db: Database, store: ObjectStore) => Promise<void>,
): Promise<void> {
  const config = configOrExit(configFile);
  let db: Database | undefined;
  try {
    const store = await openObjectStore(config.storage, config.dataDir);
    db = await openDatabase(config);
    await fn(config, db, store);
  } catch (error) {
    process.stderr.write(
      `kubeops: ${error instanceof KubeOpsError ? error.message : String(error)}\n`,
    );
    process.exitCode = 1;
  } finally {
    await db?.close();
  }
}

export function backupCommand(): Command {
  return withConfigOption(new Command('backup'))
    .description(
      "Write a consistent copy of KubeOps's state (settings, users, roles, clusters with their credentials still encrypted, inspections, audit) to the configured object storage",
    )
    .addOption(new Option('--list', 'list the complete backups in storage instead'))
    .action(async (options: { config?: string; list?: boolean }) => {
      await withStateStores(options.config, async (_config, db, store) => {
        if (options.list) {
          for (const id of await listBackups(store)) {
            const manifest = await readManifest(store, id);
            const rows = manifest.tables.reduce((sum, t) => sum + t.rows, 0);
            out(`${id}\t${manifest.createdAt}\t${manifest.trigger}\t${rows} rows`);
          }
          return;
        }
        const manifest = await backupState(db, store);
        for (const table of manifest.tables) out(`${table.name}\t${table.rows}`);
        out(`backup ${manifest.id} written to ${store.location}backups/${manifest.id}/`);
      });
    });
}

export function restoreCommand(): Command {
  return withConfigOption(new Command('restore'))
    .description(
      'Restore a backup from the configured object storage onto an empty database (applies migrations first); the server must then run with the same encryption key',
    )
    .argument('[backup-id]', 'backup to restore (see `kubeops backup --list`)', 'latest')
    .addOption(
      new Option(
        '--force',
        'restore into a database that already holds data, replacing its tables (audit_log keeps its entries and gains the backup’s)',
      ),
    )
    .action(async (id: string, options: { config?: string; force?: boolean }) => {
      await withStateStores(options.config, async (_config, db, store) => {
        const report = await restoreState(db, store, id, MIGRATIONS, {
          force: options.force === true,
        });
        for (const table of report.tables) out(`${table.name}\t${table.rows}`);
        out(`backup ${report.id} restored from ${store.location}`);
      });
    });
}
