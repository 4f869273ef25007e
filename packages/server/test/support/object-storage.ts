import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CreateBucketCommand, S3Client } from '@aws-sdk/client-s3';
import { ContainerClient, StorageSharedKeyCredential } from '@azure/storage-blob';
import { Storage } from '@google-cloud/storage';
import { StorageSettingsSchema, type StorageSettings } from '../../src/providers/storage/index.js';
import { Value } from '@sinclair/typebox/value';
import { requiredEnv } from '../../../../test/support/env.js';

export type StorageType = StorageSettings['type'];
export const STORAGE_TYPES: StorageType[] = ['local', 's3', 'azure', 'gcs'];

/** Settings for one provider, with every default filled in as the config loader would. */
export function storageSettings(settings: Record<string, unknown>): StorageSettings {
  return Value.Default(StorageSettingsSchema, Value.Clone(settings)) as StorageSettings;
}

/**
 * A new, empty bucket (container, directory) on the local server of `type`
 * (test/services/object-storage.sh), and the settings that reach it; `prefix`
 * scopes the store inside it.
 */
export async function freshStorage(type: StorageType, prefix = ''): Promise<StorageSettings> {
  const name = `kubeops-${randomBytes(5).toString('hex')}`;
  switch (type) {
    case 'local':
      return storageSettings({
        type,
        local: { path: mkdtempSync(join(tmpdir(), 'kubeops-objects-')) },
      });
    case 's3': {
      const s3 = {
        endpoint: requiredEnv('KUBEOPS_TEST_S3_ENDPOINT'),
        accessKeyId: requiredEnv('KUBEOPS_TEST_S3_ACCESS_KEY'),
        secretAccessKey: requiredEnv('KUBEOPS_TEST_S3_SECRET_KEY'),
        forcePathStyle: true,
        region: 'us-east-1',
      };
      const client = new S3Client({
        endpoint: s3.endpoint,
        region: s3.region,
        forcePathStyle: true,
        credentials: { accessKeyId: s3.accessKeyId, secretAccessKey: s3.secretAccessKey },
      });
      await client.send(new CreateBucketCommand({ Bucket: name }));
      client.destroy();
      return storageSettings({ type, s3: { ...s3, bucket: name, prefix } });
    }
    case 'azure': {
      const azure = {
        endpoint: requiredEnv('KUBEOPS_TEST_AZURE_ENDPOINT'),
        account: requiredEnv('KUBEOPS_TEST_AZURE_ACCOUNT'),
        accountKey: requiredEnv('KUBEOPS_TEST_AZURE_KEY'),
      };
      await new ContainerClient(
        `${azure.endpoint}/${name}`,
        new StorageSharedKeyCredential(azure.account, azure.accountKey),
      ).create();
      return storageSettings({ type, azure: { ...azure, container: name, prefix } });
    }
    case 'gcs': {
      const endpoint = requiredEnv('KUBEOPS_TEST_GCS_ENDPOINT');
      await new Storage({ apiEndpoint: endpoint, projectId: 'kubeops-test' }).createBucket(name);
      return storageSettings({
        type,
        gcs: { endpoint, project: 'kubeops-test', bucket: name, prefix },
      });
    }
  }
}
