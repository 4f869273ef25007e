import { isAbsolute, resolve } from 'node:path';
import { localDirectoryBackend } from './local-directory.js';
import { objectStore, type ObjectStore } from './object-store.js';
import type { StorageSettings } from './settings.js';

/**
 * The object store the config names. Providers load their SDK only when
 * chosen, so a local install never pays for the cloud ones.
 */
export async function openObjectStore(
  settings: StorageSettings,
  dataDir: string,
): Promise<ObjectStore> {
  switch (settings.type) {
    case 'local': {
      const path = settings.local.path ?? 'objects';
      return objectStore(
        localDirectoryBackend(isAbsolute(path) ? path : resolve(dataDir, path)),
        '',
      );
    }
    case 's3': {
      const { s3Backend } = await import('./s3.js');
      return objectStore(
        s3Backend({ ...settings.s3, bucket: settings.s3.bucket! }),
        settings.s3.prefix,
      );
    }
    case 'azure': {
      const { azureBlobBackend } = await import('./azure-blob.js');
      const { azure } = settings;
      return objectStore(
        azureBlobBackend({ ...azure, account: azure.account!, container: azure.container! }),
        azure.prefix,
      );
    }
    case 'gcs': {
      const { gcsBackend } = await import('./gcs.js');
      return objectStore(
        gcsBackend({ ...settings.gcs, bucket: settings.gcs.bucket! }),
        settings.gcs.prefix,
      );
    }
  }
}
