import { randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  openObjectStore,
  putNdjsonGz,
  readNdjsonGz,
  readObject,
  type ObjectStore,
} from '../../../src/providers/storage/index.js';
import { freshStorage, STORAGE_TYPES, storageSettings } from '../../support/object-storage.js';

async function keys(store: ObjectStore, prefix?: string): Promise<string[]> {
  const out: string[] = [];
  for await (const object of store.list(prefix)) out.push(object.key);
  return out;
}

async function errorOf(promise: Promise<unknown>): Promise<{ code?: string; message: string }> {
  try {
    await promise;
  } catch (error) {
    return error as { code?: string; message: string };
  }
  throw new Error('expected a failure');
}

// One contract, four providers: a directory, versitygw (S3), Azurite (Azure Blob), fake-gcs-server (GCS).
describe.each(STORAGE_TYPES)('object storage on %s', (type) => {
  let store: ObjectStore;
  let unprefixed: ObjectStore;

  beforeAll(async () => {
    const settings = await freshStorage(type, 'kubeops/test');
    store = await openObjectStore(settings, '/nonexistent');
    // The same bucket without the prefix: what the prefix keeps apart.
    const bare = structuredClone(settings);
    if (bare.type !== 'local') bare[bare.type].prefix = '';
    unprefixed = await openObjectStore(bare, '/nonexistent');
  });
  afterAll(async () => {
    for await (const object of store.list()) await store.delete(object.key);
  });

  it('reaches its bucket', async () => {
    await store.check();
  });

  it('writes and reads back strings, buffers and streams byte for byte', async () => {
    await store.put('a/text.txt', 'grüße, 世界\n');
    const binary = randomBytes(70_000);
    await store.put('a/binary.bin', binary);
    // Larger than one multipart part (5 MiB), of a length nobody announced.
    const big = randomBytes(6 * 1024 * 1024 + 17);
    await store.put('b/big.bin', Readable.from([big.subarray(0, 1000), big.subarray(1000)]));
    expect((await readObject(store, 'a/text.txt')).toString('utf8')).toBe('grüße, 世界\n');
    expect((await readObject(store, 'a/binary.bin')).equals(binary)).toBe(true);
    expect((await readObject(store, 'b/big.bin')).equals(big)).toBe(true);
  });

  it('replaces an object written twice', async () => {
    await store.put('a/replaced.txt', 'first version, longer');
    await store.put('a/replaced.txt', 'second');
    expect((await readObject(store, 'a/replaced.txt')).toString()).toBe('second');
  });

  it('lists by prefix in key order with sizes, relative to its own prefix', async () => {
    await store.put('list/x/2.txt', '22');
    await store.put('list/x/1.txt', '1');
    await store.put('list/x-y.txt', 'xy');
    await store.put('list/y.txt', 'yyy');
    expect(await keys(store, 'list/')).toEqual([
      'list/x-y.txt',
      'list/x/1.txt',
      'list/x/2.txt',
      'list/y.txt',
    ]);
    expect(await keys(store, 'list/x/')).toEqual(['list/x/1.txt', 'list/x/2.txt']);
    const sizes: Record<string, number> = {};
    for await (const object of store.list('list/x/')) {
      sizes[object.key] = object.size;
      expect(object.modifiedAt.getTime()).toBeGreaterThan(Date.now() - 3_600_000);
    }
    expect(sizes).toEqual({ 'list/x/1.txt': 1, 'list/x/2.txt': 2 });
    expect(await keys(store, 'nothing-here/')).toEqual([]);
  });

  it.skipIf(type === 'local')('keeps its objects under its prefix', async () => {
    await unprefixed.put('outside.txt', 'not ours');
    await store.put('inside.txt', 'ours');
    expect(await keys(unprefixed, 'kubeops/test/inside')).toEqual(['kubeops/test/inside.txt']);
    expect(await keys(store)).not.toContain('outside.txt');
    expect((await readObject(unprefixed, 'kubeops/test/inside.txt')).toString()).toBe('ours');
    await unprefixed.delete('outside.txt');
  });

  it('reports a missing object as object_not_found and deletes idempotently', async () => {
    expect((await errorOf(store.get('no/such/object'))).code).toBe('object_not_found');
    await store.put('del/me.txt', 'x');
    await store.delete('del/me.txt');
    await store.delete('del/me.txt');
    expect((await errorOf(store.get('del/me.txt'))).code).toBe('object_not_found');
    expect(await keys(store, 'del/')).toEqual([]);
  });

  it('refuses keys that could leave the store or mean different objects on different providers', async () => {
    for (const key of ['../escape', '/absolute', 'a//b', '.hidden', 'a/../b', 'a/./b', '', 'a/']) {
      expect((await errorOf(store.put(key, 'x'))).code).toBe('invalid_object_key');
      expect((await errorOf(store.get(key))).code).toBe('invalid_object_key');
    }
  });

  it('carries gzip NDJSON of any size, multi-byte characters included', async () => {
    const lines = Array.from({ length: 20_000 }, (_, i) =>
      JSON.stringify({ i, text: `zeile ${i} — ünïcödé ${'雪'.repeat(i % 7)}` }),
    );
    async function* source() {
      yield* lines;
    }
    expect((await putNdjsonGz(store, 'ndjson/t.ndjson.gz', source())).rows).toBe(lines.length);
    const back: string[] = [];
    for await (const line of readNdjsonGz(store, 'ndjson/t.ndjson.gz')) back.push(line);
    expect(back).toEqual(lines);
  });

  it.skipIf(type === 'local')(
    'names the store but never the credentials when the bucket is missing',
    async () => {
      const settings = await freshStorage(type);
      const missing = structuredClone(settings);
      if (missing.type === 's3') missing.s3.bucket = 'kubeops-missing-bucket';
      if (missing.type === 'azure') missing.azure.container = 'kubeops-missing-container';
      if (missing.type === 'gcs') missing.gcs.bucket = 'kubeops-missing-bucket';
      const error = await errorOf((await openObjectStore(missing, '/x')).check());
      expect(error.code).toBe('storage_unavailable');
      expect(error.message).toContain('kubeops-missing');
      for (const secret of [missing.s3.secretAccessKey, missing.azure.accountKey]) {
        if (secret) expect(error.message).not.toContain(secret);
      }
    },
  );
});

describe('local object storage', () => {
  it('resolves a relative path inside the data directory and creates it on first write', async () => {
    const dataDir = (await freshStorage('local')).local.path!;
    const store = await openObjectStore(
      storageSettings({ type: 'local', local: { path: 'objects' } }),
      dataDir,
    );
    expect(store.location).toBe(`file://${dataDir}/objects/`);
    await store.put('k/v.txt', 'v');
    expect((await readObject(store, 'k/v.txt')).toString()).toBe('v');
  });
});
