import { Readable } from 'node:stream';
import { KubeOpsError } from '../../core/errors.js';

/** One stored object, as a listing reports it. */
export interface StoredObject {
  /** The key, relative to the store's prefix. */
  key: string;
  size: number;
  modifiedAt: Date;
}

export type ObjectBody = Readable | Buffer | string;

/**
 * Objects by key, the same on a directory, S3, Azure Blob and GCS. Keys are
 * slash-separated relative paths (`backups/2026-12-04T12-00-00Z/users.ndjson.gz`);
 * a store is scoped to a prefix that its keys never show.
 */
export interface ObjectStore {
  readonly type: 'local' | 's3' | 'azure' | 'gcs';
  /** Where objects go, for messages (never holds a credential), e.g. s3://bucket/prefix/. */
  readonly location: string;
  /** Writes the whole object; a reader sees the old object or the new one, never a part. */
  put(key: string, body: ObjectBody, options?: { contentType?: string }): Promise<void>;
  /** Throws KubeOpsError `object_not_found` when there is no such object. */
  get(key: string): Promise<Readable>;
  /** Objects whose key starts with `prefix`, in key order. */
  list(prefix?: string): AsyncIterable<StoredObject>;
  /** Removes an object; removing one that is not there is not an error. */
  delete(key: string): Promise<void>;
  /** Resolves when the bucket/container/directory is reachable with these credentials. */
  check(): Promise<void>;
}

/** The part a provider implements: whole keys, already checked and prefixed. */
export interface ObjectBackend {
  readonly type: ObjectStore['type'];
  readonly location: string;
  put(key: string, body: Readable, contentType: string | undefined): Promise<void>;
  /** Resolves undefined when there is no such object. */
  get(key: string): Promise<Readable | undefined>;
  list(prefix: string): AsyncIterable<StoredObject>;
  delete(key: string): Promise<void>;
  check(): Promise<void>;
}

const SEGMENT = /^[A-Za-z0-9_=-][A-Za-z0-9._=-]*$/;

/**
 * Keys are checked once here, for every provider: no empty, `.`-leading or
 * `..` segments, so a key can never leave the directory of the local store or
 * mean different objects on different providers.
 */
export function checkKey(key: string, what = 'key'): string {
  if (key.length === 0 || key.length > 900 || !key.split('/').every((s) => SEGMENT.test(s))) {
    throw new KubeOpsError(
      'invalid_object_key',
      400,
      `${what} ${JSON.stringify(key)} is not a valid object key (slash-separated segments of letters, digits, . _ = -, none starting with a dot)`,
      { details: { key } },
    );
  }
  return key;
}

export const objectNotFound = (location: string, key: string) =>
  new KubeOpsError('object_not_found', 404, `no object ${key} in ${location}`, {
    details: { key },
  });

/** A provider's failure, with the store it happened on and never a credential. */
export const storageFailure = (location: string, action: string, cause: unknown) =>
  new KubeOpsError(
    'storage_unavailable',
    503,
    `object storage ${location}: ${action} failed: ${cause instanceof Error ? cause.message : String(cause)}`,
    { cause },
  );

/** Joins a configured prefix ('a/b' or 'a/b/') and a key. */
export function joinPrefix(prefix: string, key: string): string {
  if (!prefix) return key;
  return prefix.endsWith('/') ? `${prefix}${key}` : `${prefix}/${key}`;
}

function toStream(body: ObjectBody): Readable {
  return typeof body === 'string' || Buffer.isBuffer(body)
    ? Readable.from([Buffer.from(body)])
    : body;
}

/** Wraps a backend with key checks, the prefix and uniform errors. */
export function objectStore(backend: ObjectBackend, prefix: string): ObjectStore {
  const full = (key: string) => joinPrefix(prefix, checkKey(key));
  const strip = joinPrefix(prefix, '');
  const wrap = async <T>(action: string, fn: () => Promise<T>): Promise<T> => {
    try {
      return await fn();
    } catch (error) {
      throw error instanceof KubeOpsError ? error : storageFailure(backend.location, action, error);
    }
  };
  return {
    type: backend.type,
    location: backend.location,
    put: (key, body, options) =>
      wrap(`writing ${key}`, () => backend.put(full(key), toStream(body), options?.contentType)),
    async get(key) {
      const stream = await wrap(`reading ${key}`, () => backend.get(full(key)));
      if (!stream) throw objectNotFound(backend.location, key);
      return stream;
    },
    async *list(listPrefix = '') {
      if (listPrefix) checkKey(listPrefix.replace(/\/$/, ''), 'prefix');
      const iterator = backend.list(joinPrefix(prefix, listPrefix))[Symbol.asyncIterator]();
      for (;;) {
        const next = await wrap(`listing ${listPrefix || '/'}`, () => iterator.next());
        if (next.done) return;
        yield { ...next.value, key: next.value.key.slice(strip.length) };
      }
    },
    delete: (key) => wrap(`deleting ${key}`, () => backend.delete(full(key))),
    check: () => wrap('checking access', () => backend.check()),
  };
}

/** Reads a whole object into memory (manifests and other small objects). */
export async function readObject(store: ObjectStore, key: string): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of await store.get(key)) chunks.push(Buffer.from(chunk as Uint8Array));
  return Buffer.concat(chunks);
}
