import { KubeOpsError } from '../core/errors.js';
import { readObject, type ObjectStore } from '../providers/storage/index.js';

export const BACKUP_FORMAT = 'kubeops-backup';
export const BACKUP_FORMAT_VERSION = 1;
/** Every backup lives under backups/<id>/; its manifest is written last, so a backup without one is incomplete. */
export const BACKUPS_PREFIX = 'backups/';

export interface BackupManifest {
  format: typeof BACKUP_FORMAT;
  formatVersion: number;
  id: string;
  createdAt: string;
  /** `schedule` backups are pruned to backup.keep; `manual` ones only by hand. */
  trigger: 'manual' | 'schedule';
  /** The database schema the rows fit: applied migrations by module. */
  migrations: Record<string, number[]>;
  tables: Array<{ name: string; key: string; rows: number; columns: string[] }>;
}

export const manifestKey = (id: string) => `${BACKUPS_PREFIX}${id}/manifest.json`;

/** Sortable by time: 20261204T180000123Z-3f2a. */
export function newBackupId(now: Date, suffix: string): string {
  return `${now.toISOString().replace(/[-:.]/g, '')}-${suffix}`;
}

/** Complete backups (those with a manifest), oldest first. */
export async function listBackups(store: ObjectStore): Promise<string[]> {
  const ids: string[] = [];
  for await (const object of store.list(BACKUPS_PREFIX)) {
    const match = /^backups\/([^/]+)\/manifest\.json$/.exec(object.key);
    if (match) ids.push(match[1]!);
  }
  return ids.sort();
}

export async function readManifest(store: ObjectStore, id: string): Promise<BackupManifest> {
  let manifest: BackupManifest;
  try {
    manifest = JSON.parse(
      (await readObject(store, manifestKey(id))).toString('utf8'),
    ) as BackupManifest;
  } catch (error) {
    if (error instanceof KubeOpsError && error.code === 'object_not_found') {
      throw new KubeOpsError('backup_not_found', 404, `no backup ${id} in ${store.location}`);
    }
    if (error instanceof SyntaxError) {
      throw new KubeOpsError('backup_invalid', 422, `backup ${id}: manifest.json is not JSON`);
    }
    throw error;
  }
  if (manifest.format !== BACKUP_FORMAT || manifest.formatVersion !== BACKUP_FORMAT_VERSION) {
    throw new KubeOpsError(
      'backup_invalid',
      422,
      `backup ${id} is not a KubeOps backup of format ${BACKUP_FORMAT_VERSION} (found ${String(manifest.format)} ${String(manifest.formatVersion)})`,
    );
  }
  return manifest;
}

/** Deletes every object of a backup, the manifest first so it stops counting as complete. */
export async function deleteBackup(store: ObjectStore, id: string): Promise<void> {
  await store.delete(manifestKey(id));
  for await (const object of store.list(`${BACKUPS_PREFIX}${id}/`)) await store.delete(object.key);
}
