import { Type, type Static, type TProperties } from '@sinclair/typebox';

/**
 * Where KubeOps keeps objects of its own (backups, archived audit entries):
 * a directory (a PersistentVolumeClaim in the chart), S3 or an S3-compatible
 * store, Azure Blob storage or Google Cloud Storage. Each variable the chart
 * emits is one leaf here (KUBEOPS_STORAGE_<PATH>); credentials the cloud SDKs
 * find by themselves (AWS_*, GOOGLE_APPLICATION_CREDENTIALS, workload
 * identities) are left to them.
 */
const Prefix = Type.String({
  pattern: '^$|^[A-Za-z0-9_=-][A-Za-z0-9._=-]*(/[A-Za-z0-9_=-][A-Za-z0-9._=-]*)*/?$',
  default: '',
  description: 'Key prefix inside the bucket or container, e.g. kubeops/prod',
});
const Obj = <T extends TProperties>(props: T) =>
  Type.Object(props, { additionalProperties: false, default: {} });

export const StorageSettingsSchema = Obj({
  type: Type.Union(
    [Type.Literal('local'), Type.Literal('s3'), Type.Literal('azure'), Type.Literal('gcs')],
    { default: 'local' },
  ),
  local: Obj({
    /** Directory for objects; relative paths are inside the data directory (default: <dataDir>/objects). */
    path: Type.Optional(Type.String({ minLength: 1 })),
  }),
  s3: Obj({
    bucket: Type.Optional(Type.String({ minLength: 3, maxLength: 63 })),
    /** Default us-east-1, which S3-compatible stores usually accept. */
    region: Type.Optional(Type.String({ minLength: 1 })),
    /** Endpoint of an S3-compatible store; unset: AWS. */
    endpoint: Type.Optional(Type.String({ format: 'uri' })),
    /** Path-style addressing (bucket in the path), which most S3-compatible stores need. */
    forcePathStyle: Type.Boolean({ default: false }),
    prefix: Prefix,
    /** Unset: the AWS SDK's own chain (AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, IRSA, instance roles). */
    accessKeyId: Type.Optional(Type.String({ minLength: 1 })),
    secretAccessKey: Type.Optional(Type.String({ minLength: 1 })),
  }),
  azure: Obj({
    account: Type.Optional(Type.String({ minLength: 1 })),
    container: Type.Optional(Type.String({ pattern: '^[a-z0-9](-?[a-z0-9]){2,62}$' })),
    /** Blob service URL; unset: https://<account>.blob.core.windows.net. */
    endpoint: Type.Optional(Type.String({ format: 'uri' })),
    prefix: Prefix,
    /** Shared key (also read from AZURE_STORAGE_KEY); unset: Azure's default credential chain (workload identity). */
    accountKey: Type.Optional(Type.String({ minLength: 1 })),
  }),
  gcs: Obj({
    bucket: Type.Optional(Type.String({ minLength: 3, maxLength: 222 })),
    project: Type.Optional(Type.String({ minLength: 1 })),
    /** API endpoint of a GCS-compatible server; unset: Google's. */
    endpoint: Type.Optional(Type.String({ format: 'uri' })),
    prefix: Prefix,
    /** Service account key file; unset: GOOGLE_APPLICATION_CREDENTIALS or the workload identity. */
    credentialsFile: Type.Optional(Type.String({ minLength: 1 })),
  }),
});

export type StorageSettings = Static<typeof StorageSettingsSchema>;

/** What a storage section needs for its type, as config problems (key, message). */
export function storageSettingsProblems(
  storage: StorageSettings,
): Array<{ key: string; message: string }> {
  const problems: Array<{ key: string; message: string }> = [];
  const need = (key: string, value: unknown) => {
    if (value === undefined || value === '')
      problems.push({
        key: `storage.${key}`,
        message: `is required when storage.type is ${storage.type}`,
      });
  };
  if (storage.type === 's3') {
    need('s3.bucket', storage.s3.bucket);
    if (!storage.s3.accessKeyId !== !storage.s3.secretAccessKey)
      problems.push({
        key: storage.s3.accessKeyId ? 'storage.s3.secretAccessKey' : 'storage.s3.accessKeyId',
        message: 'give both storage.s3.accessKeyId and storage.s3.secretAccessKey, or neither',
      });
  } else if (storage.type === 'azure') {
    need('azure.account', storage.azure.account);
    need('azure.container', storage.azure.container);
  } else if (storage.type === 'gcs') {
    need('gcs.bucket', storage.gcs.bucket);
  }
  return problems;
}
