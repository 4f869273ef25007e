import { DefaultAzureCredential } from '@azure/identity';
import { ContainerClient, StorageSharedKeyCredential } from '@azure/storage-blob';
import type { Readable } from 'node:stream';
import type { ObjectBackend } from './object-store.js';
import type { StorageSettings } from './settings.js';

type AzureSettings = StorageSettings['azure'] & { account: string; container: string };

const isMissing = (error: unknown) => (error as { statusCode?: number }).statusCode === 404;

/** Azure Blob storage (and Azurite), through the Azure SDK; block blobs. */
export function azureBlobBackend(settings: AzureSettings): ObjectBackend & {
  container: ContainerClient;
} {
  const endpoint = (
    settings.endpoint ?? `https://${settings.account}.blob.core.windows.net`
  ).replace(/\/$/, '');
  const credential = settings.accountKey
    ? new StorageSharedKeyCredential(settings.account, settings.accountKey)
    : new DefaultAzureCredential();
  const container = new ContainerClient(`${endpoint}/${settings.container}`, credential);
  return {
    type: 'azure',
    container,
    location: `${endpoint}/${settings.container}/${settings.prefix}`,
    async put(key: string, body: Readable, contentType: string | undefined) {
      await container.getBlockBlobClient(key).uploadStream(body, 4 * 1024 * 1024, 4, {
        ...(contentType ? { blobHTTPHeaders: { blobContentType: contentType } } : {}),
      });
    },
    async get(key: string) {
      try {
        const download = await container.getBlobClient(key).download();
        return download.readableStreamBody as Readable;
      } catch (error) {
        if (isMissing(error)) return undefined;
        throw error;
      }
    },
    async *list(prefix: string) {
      for await (const blob of container.listBlobsFlat({ prefix })) {
        yield {
          key: blob.name,
          size: blob.properties.contentLength ?? 0,
          modifiedAt: blob.properties.lastModified,
        };
      }
    },
    async delete(key: string) {
      await container.getBlobClient(key).deleteIfExists();
    },
    async check() {
      if (!(await container.exists())) {
        throw new Error(`container ${settings.container} does not exist`);
      }
    },
  };
}
