import {
  DeleteObjectCommand,
  GetObjectCommand,
  HeadBucketCommand,
  NoSuchKey,
  S3Client,
  paginateListObjectsV2,
} from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import type { Readable } from 'node:stream';
import type { ObjectBackend } from './object-store.js';
import type { StorageSettings } from './settings.js';

type S3Settings = StorageSettings['s3'];

const isMissing = (error: unknown) =>
  error instanceof NoSuchKey ||
  (error as { name?: string }).name === 'NoSuchKey' ||
  (error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode === 404;

/** S3 and S3-compatible stores, through the AWS SDK. */
export function s3Backend(settings: S3Settings & { bucket: string }): ObjectBackend & {
  client: S3Client;
} {
  const client = new S3Client({
    region: settings.region ?? 'us-east-1',
    ...(settings.endpoint ? { endpoint: settings.endpoint } : {}),
    forcePathStyle: settings.forcePathStyle,
    ...(settings.accessKeyId && settings.secretAccessKey
      ? {
          credentials: {
            accessKeyId: settings.accessKeyId,
            secretAccessKey: settings.secretAccessKey,
          },
        }
      : {}),
  });
  const Bucket = settings.bucket;
  const where = settings.endpoint ? `${settings.endpoint.replace(/\/$/, '')}/` : 's3://';
  return {
    type: 's3',
    client,
    location: `${where}${Bucket}/${settings.prefix}`,
    async put(key: string, body: Readable, contentType: string | undefined) {
      // Multipart for large bodies, a single PUT for small ones; the length need not be known.
      await new Upload({
        client,
        params: {
          Bucket,
          Key: key,
          Body: body,
          ...(contentType ? { ContentType: contentType } : {}),
        },
      }).done();
    },
    async get(key: string) {
      try {
        const out = await client.send(new GetObjectCommand({ Bucket, Key: key }));
        return out.Body as Readable;
      } catch (error) {
        if (isMissing(error)) return undefined;
        throw error;
      }
    },
    async *list(prefix: string) {
      for await (const page of paginateListObjectsV2({ client }, { Bucket, Prefix: prefix })) {
        for (const item of page.Contents ?? []) {
          if (!item.Key) continue;
          yield {
            key: item.Key,
            size: item.Size ?? 0,
            modifiedAt: item.LastModified ?? new Date(0),
          };
        }
      }
    },
    async delete(key: string) {
      await client.send(new DeleteObjectCommand({ Bucket, Key: key }));
    },
    async check() {
      await client.send(new HeadBucketCommand({ Bucket }));
    },
  };
}
