import { randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, opendir, rename, rm, stat, access, constants } from 'node:fs/promises';
import { dirname, join, relative, sep } from 'node:path';
import { pipeline } from 'node:stream/promises';
import type { Readable } from 'node:stream';
import type { ObjectBackend, StoredObject } from './object-store.js';

const isNotFound = (error: unknown) =>
  ['ENOENT', 'ENOTDIR'].includes((error as { code?: string }).code ?? '');

/**
 * Objects as files under one directory (a PersistentVolumeClaim in the
 * chart). A write goes to a hidden temporary file renamed into place, so a
 * reader never sees half an object and a crash leaves no partial one under
 * its key; listings skip the hidden files (keys never start with a dot).
 */
export function localDirectoryBackend(root: string): ObjectBackend {
  const path = (key: string) => join(root, ...key.split('/'));

  async function* walk(dir: string): AsyncGenerator<StoredObject> {
    let handle;
    try {
      handle = await opendir(dir);
    } catch (error) {
      if (isNotFound(error)) return;
      throw error;
    }
    const entries: Array<{ name: string; dir: boolean }> = [];
    for await (const entry of handle) {
      if (entry.name.startsWith('.')) continue;
      entries.push({ name: entry.name, dir: entry.isDirectory() });
    }
    // Key order: a directory `a` sorts as `a/`, as object stores list it.
    entries.sort((x, y) => {
      const a = x.dir ? `${x.name}/` : x.name;
      const b = y.dir ? `${y.name}/` : y.name;
      return a < b ? -1 : a > b ? 1 : 0;
    });
    for (const entry of entries) {
      const full = join(dir, entry.name);
      if (entry.dir) {
        yield* walk(full);
        continue;
      }
      const info = await stat(full).catch((error: unknown) => {
        if (isNotFound(error)) return undefined; // deleted while listing
        throw error;
      });
      if (!info) continue;
      yield {
        key: relative(root, full).split(sep).join('/'),
        size: info.size,
        modifiedAt: info.mtime,
      };
    }
  }

  return {
    type: 'local',
    location: `file://${root}/`,
    async put(key: string, body: Readable) {
      const target = path(key);
      await mkdir(dirname(target), { recursive: true });
      const temporary = join(dirname(target), `.${randomBytes(6).toString('hex')}.partial`);
      try {
        await pipeline(body, createWriteStream(temporary, { flags: 'wx' }));
        await rename(temporary, target);
      } catch (error) {
        await rm(temporary, { force: true });
        throw error;
      }
    },
    async get(key: string) {
      const file = path(key);
      try {
        if (!(await stat(file)).isFile()) return undefined;
      } catch (error) {
        if (isNotFound(error)) return undefined;
        throw error;
      }
      return createReadStream(file);
    },
    async *list(prefix: string) {
      // Walk only the deepest directory the prefix names whole.
      const cut = prefix.lastIndexOf('/');
      const start = cut < 0 ? root : path(prefix.slice(0, cut));
      for await (const object of walk(start)) {
        if (object.key.startsWith(prefix)) yield object;
      }
    },
    async delete(key: string) {
      await rm(path(key), { force: true });
    },
    async check() {
      await mkdir(root, { recursive: true });
      await access(root, constants.W_OK | constants.R_OK);
    },
  };
}
