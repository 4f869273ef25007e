import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../../src/core/config.js';

const problemsOf = (env: Record<string, string>) => {
  try {
    loadConfig({ env });
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  return [];
};

// The names deploy/helm/kubeops/templates/_config.tpl emits for storage and backups.
describe('storage and backup settings from the environment', () => {
  it('reads every S3 variable the chart sets', () => {
    const config = loadConfig({
      env: {
        KUBEOPS_STORAGE_TYPE: 's3',
        KUBEOPS_STORAGE_S3_BUCKET: 'exports',
        KUBEOPS_STORAGE_S3_REGION: 'eu-west-1',
        KUBEOPS_STORAGE_S3_ENDPOINT: 'https://minio:9000',
        KUBEOPS_STORAGE_S3_FORCE_PATH_STYLE: 'true',
        KUBEOPS_STORAGE_S3_PREFIX: 'kubeops/prod',
      },
    });
    expect(config.storage.s3).toMatchObject({
      bucket: 'exports',
      region: 'eu-west-1',
      endpoint: 'https://minio:9000',
      forcePathStyle: true,
      prefix: 'kubeops/prod',
    });
  });

  it('reads Azure settings with the key from AZURE_STORAGE_KEY, and GCS and local ones', () => {
    const azure = loadConfig({
      env: {
        KUBEOPS_STORAGE_TYPE: 'azure',
        KUBEOPS_STORAGE_AZURE_ACCOUNT: 'acct',
        KUBEOPS_STORAGE_AZURE_CONTAINER: 'backups',
        KUBEOPS_STORAGE_AZURE_ENDPOINT: 'https://acct.blob.core.windows.net',
        KUBEOPS_STORAGE_AZURE_PREFIX: 'kubeops',
        AZURE_STORAGE_KEY: 'a2V5',
      },
    }).storage.azure;
    expect(azure).toMatchObject({
      account: 'acct',
      container: 'backups',
      prefix: 'kubeops',
      accountKey: 'a2V5',
    });
    const gcs = loadConfig({
      env: {
        KUBEOPS_STORAGE_TYPE: 'gcs',
        KUBEOPS_STORAGE_GCS_BUCKET: 'exports',
        KUBEOPS_STORAGE_GCS_PROJECT: 'proj',
        KUBEOPS_STORAGE_GCS_PREFIX: 'kubeops',
      },
    }).storage.gcs;
    expect(gcs).toMatchObject({ bucket: 'exports', project: 'proj', prefix: 'kubeops' });
    const local = loadConfig({
      env: {
        KUBEOPS_STORAGE_TYPE: 'local',
        KUBEOPS_STORAGE_LOCAL_PATH: '/var/lib/kubeops/objects',
      },
    }).storage;
    expect(local).toMatchObject({ type: 'local', local: { path: '/var/lib/kubeops/objects' } });
  });

  it('reads the backup schedule and refuses one that is not a schedule', () => {
    const backup = loadConfig({
      env: {
        KUBEOPS_BACKUP_SCHEDULE: '0 3 * * *',
        KUBEOPS_BACKUP_TIMEZONE: 'Europe/Berlin',
        KUBEOPS_BACKUP_KEEP: '7',
      },
    }).backup;
    expect(backup).toEqual({ schedule: '0 3 * * *', timezone: 'Europe/Berlin', keep: 7 });
    expect(problemsOf({ KUBEOPS_BACKUP_SCHEDULE: 'every night ok' }).map((p) => p.key)).toContain(
      'backup.schedule',
    );
    expect(
      problemsOf({
        KUBEOPS_BACKUP_SCHEDULE: '0 3 * * *',
        KUBEOPS_BACKUP_TIMEZONE: 'Mars/Olympus',
      }).map((p) => p.key),
    ).toContain('backup.schedule');
  });

  it('names what a provider lacks, and keys that could leave the bucket prefix', () => {
    expect(problemsOf({ KUBEOPS_STORAGE_TYPE: 's3' })).toContainEqual({
      key: 'storage.s3.bucket',
      message: 'is required when storage.type is s3',
    });
    const azure = problemsOf({ KUBEOPS_STORAGE_TYPE: 'azure' }).map((p) => p.key);
    expect(azure).toEqual(
      expect.arrayContaining(['storage.azure.account', 'storage.azure.container']),
    );
    expect(
      problemsOf({
        KUBEOPS_STORAGE_TYPE: 'gcs',
        KUBEOPS_STORAGE_GCS_BUCKET: 'b',
        KUBEOPS_STORAGE_GCS_PREFIX: '../up',
      }).map((p) => p.key),
    ).toContain('storage.gcs.prefix');
    expect(
      problemsOf({
        KUBEOPS_STORAGE_TYPE: 's3',
        KUBEOPS_STORAGE_S3_BUCKET: 'b',
        KUBEOPS_STORAGE_S3_ACCESS_KEY_ID: 'id',
      }).map((p) => p.key),
    ).toContain('storage.s3.secretAccessKey');
  });
});
