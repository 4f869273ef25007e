import type { ImpersonatingClient } from '../clusters/impersonating-client.js';
import { readBody } from './kube-client.js';

interface Held {
  etag: string;
  document: unknown;
  bytes: number;
}

/** At most this many documents and bytes are held; the least recently used goes first. */
const MAX_DOCUMENTS = 32;
const MAX_BYTES = 32 * 1024 * 1024;

/**
 * OpenAPI v3 documents of one cluster, fetched as the user who asks. The
 * bytes are remembered (bounded, least recently used first) with their ETag,
 * and every later read still goes to the API server as that user with
 * If-None-Match: the cluster decides each time whether this user may read the
 * document, and only the body is saved when it answers 304.
 */
export class OpenApiSchemas {
  private readonly held = new Map<string, Held>();
  private bytes = 0;

  constructor(
    private readonly maxDocuments = MAX_DOCUMENTS,
    private readonly maxBytes = MAX_BYTES,
  ) {}

  async fetch(client: ImpersonatingClient, path: string): Promise<unknown> {
    const held = this.held.get(path);
    const response = await client.open({ path, ifNoneMatch: held?.etag });
    const text = await readBody(response);
    if (response.statusCode === 304 && held) {
      this.held.delete(path);
      this.held.set(path, held);
      return held.document;
    }
    const document = JSON.parse(text) as unknown;
    const etag = response.headers.etag;
    if (etag) this.remember(path, { etag, document, bytes: Buffer.byteLength(text) });
    return document;
  }

  private remember(path: string, entry: Held): void {
    this.forget(path);
    if (entry.bytes > this.maxBytes) return;
    this.held.set(path, entry);
    this.bytes += entry.bytes;
    for (const [oldest, value] of this.held) {
      if (this.held.size <= this.maxDocuments && this.bytes <= this.maxBytes) break;
      this.held.delete(oldest);
      this.bytes -= value.bytes;
    }
  }

  private forget(path: string): void {
    const old = this.held.get(path);
    if (!old) return;
    this.held.delete(path);
    this.bytes -= old.bytes;
  }

  get size(): { documents: number; bytes: number } {
    return { documents: this.held.size, bytes: this.bytes };
  }

  clear(): void {
    this.held.clear();
    this.bytes = 0;
  }
}
