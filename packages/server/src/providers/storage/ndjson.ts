import { Readable, Transform } from 'node:stream';
import { StringDecoder } from 'node:string_decoder';
import { createGunzip, createGzip } from 'node:zlib';
import type { ObjectStore } from './object-store.js';

/**
 * Writes lines (each one JSON document without a newline) as one gzip'd
 * NDJSON object and counts them. The lines are pulled as the store takes
 * them, so a table of any size passes through in constant memory.
 */
export async function putNdjsonGz(
  store: ObjectStore,
  key: string,
  lines: AsyncIterable<string>,
): Promise<{ rows: number }> {
  let rows = 0;
  async function* encoded(): AsyncGenerator<Buffer> {
    for await (const line of lines) {
      rows++;
      yield Buffer.from(`${line}\n`);
    }
  }
  const body = Readable.from(encoded()).pipe(createGzip());
  await store.put(key, body, { contentType: 'application/x-ndjson' });
  return { rows };
}

/** The lines of a gzip'd NDJSON object, one at a time. */
export async function* readNdjsonGz(store: ObjectStore, key: string): AsyncGenerator<string> {
  const source = await store.get(key);
  let rest = '';
  // A multi-byte character can straddle two chunks; the decoder holds its first bytes back.
  const decoder = new StringDecoder('utf8');
  const lines = new Transform({
    readableObjectMode: true,
    transform(chunk: Buffer, _encoding, done) {
      const parts = (rest + decoder.write(chunk)).split('\n');
      rest = parts.pop() ?? '';
      for (const part of parts) if (part) this.push(part);
      done();
    },
    flush(done) {
      rest += decoder.end();
      if (rest) this.push(rest);
      done();
    },
  });
  source.on('error', (error) => lines.destroy(error));
  const gunzip = createGunzip();
  gunzip.on('error', (error) => lines.destroy(error));
  yield* source.pipe(gunzip).pipe(lines) as AsyncIterable<string>;
}
