import { Storage, type File } from '@google-cloud/storage';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ObjectBackend } from './object-store.js';
import type { StorageSettings } from './settings.js';

type GcsSettings = StorageSettings['gcs'] & { bucket: string };

const isMissing = (error: unknown) => (error as { code?: number }).code === 404;

/** Google Cloud Storage (and GCS-compatible servers), through Google's SDK. */
export function gcsBackend(settings: GcsSettings): ObjectBackend & { storage: Storage } {
  const storage = new Storage({
    ...(settings.project ? { projectId: settings.project } : {}),
    ...(settings.endpoint ? { apiEndpoint: settings.endpoint } : {}),
    ...(settings.credentialsFile ? { keyFilename: settings.credentialsFile } : {}),
  });
  const bucket = storage.bucket(settings.bucket);
  return {
    type: 'gcs',
    storage,
    location: `gs://${settings.bucket}/${settings.prefix}`,
    async put(key: string, body: Readable, contentType: string | undefined) {
      // One request per object: resumable sessions help multi-gigabyte uploads, not these.
      await pipeline(
        body,
        bucket.file(key).createWriteStream({
          resumable: false,
          ...(contentType ? { contentType } : {}),
        }),
      );
    },
    async get(key: string) {
      const file = bucket.file(key);
      try {
        // The read stream reports a missing object only once read; ask first.
        const [exists] = await file.exists();
        if (!exists) return undefined;
      } catch (error) {
        if (isMissing(error)) return undefined;
        throw error;
      }
      return file.createReadStream({ validation: false });
    },
    async *list(prefix: string) {
      let pageToken: string | undefined;
      do {
        const [files, next] = await bucket.getFiles({
          prefix,
          autoPaginate: false,
          maxResults: 1000,
          ...(pageToken ? { pageToken } : {}),
        });
        for (const file of files as File[]) {
          yield {
            key: file.name,
            size: Number(file.metadata.size ?? 0),
            modifiedAt: new Date(String(file.metadata.updated ?? 0)),
          };
        }
        pageToken = (next as { pageToken?: string } | null)?.pageToken;
      } while (pageToken);
    },
    async delete(key: string) {
      await bucket.file(key).delete({ ignoreNotFound: true });
    },
    async check() {
      const [exists] = await bucket.exists();
      if (!exists) throw new Error(`bucket ${settings.bucket} does not exist`);
    },
  };
}
