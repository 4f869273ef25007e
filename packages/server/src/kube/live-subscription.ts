import type { ApiResource } from '@kubeops/contracts';
import type { ImpersonatingClient } from '../clusters/impersonating-client.js';
import type { CacheEntry } from './cache-entry.js';
import type { LiveCluster } from './live-cluster.js';
import type { CacheChange, ResourceCache } from './resource-cache.js';
import {
  matchesQuery,
  rowJson as serialized,
  runQuery,
  type CompiledQuery,
} from './resource-query.js';
import type { WatchEventType } from './watch-loop.js';

/** Changes within this window reach the client as one message, one state per object. */
export const COALESCE_MS = 10;

export type Send = (message: string) => void;

/**
 * One (cluster, resource, query) a socket follows: a snapshot (or, after a
 * reconnect, only what was missed), then coalesced deltas. Before each delta
 * the user's right to list is checked again (cached decisions are dropped
 * whenever the cluster's RBAC changes), so a revoked right ends the stream.
 */
export class LiveSubscription {
  private pending = new Map<string, { type: WatchEventType; entry: CacheEntry }>();
  private timer: NodeJS.Timeout | undefined;
  private unsubscribe: (() => void) | undefined;
  private allowed: Set<string> | undefined;
  private lastRv: string | undefined;
  private closed = false;

  constructor(
    readonly id: string,
    private readonly cluster: LiveCluster,
    private readonly client: ImpersonatingClient,
    private readonly resource: ApiResource,
    private readonly cache: ResourceCache,
    private readonly query: CompiledQuery,
    private readonly withObjects: boolean,
    private readonly send: Send,
  ) {}

  /** Sends the snapshot (or the missed changes) and starts following. Throws the cluster's 403 when the user may not list. */
  async start(resumeFrom: string | undefined): Promise<void> {
    this.allowed = await this.cluster.listableNamespaces(
      this.client,
      this.resource,
      this.query.namespaces,
    );
    this.unsubscribe = this.cache.subscribe((change, previous) => this.onChange(change, previous));
    const missed = resumeFrom ? this.cache.changesSince(resumeFrom) : undefined;
    const rv = this.cache.resourceVersion ?? null;
    if (missed) {
      for (const change of missed) this.queue(change.type, change.entry, true);
      this.flushNow('resume');
      return;
    }
    const page = runQuery(this.cache, this.query, this.allowed);
    this.lastRv = rv ?? undefined;
    this.send(
      `{"type":"snapshot","id":${JSON.stringify(this.id)},"resourceVersion":${JSON.stringify(rv)},"total":${page.total},` +
        `"columns":${JSON.stringify(this.cache.columns)},"nextCursor":${JSON.stringify(page.nextCursor)},` +
        `"items":[${page.items.map((e) => serialized(e, this.withObjects)).join(',')}]}`,
    );
  }

  private visible(entry: CacheEntry): boolean {
    return matchesQuery(entry, this.query, this.allowed);
  }

  private onChange(change: CacheChange, previous: CacheEntry | undefined): void {
    this.lastRv = change.resourceVersion;
    const now = change.type !== 'DELETED' && this.visible(change.entry);
    const before = previous !== undefined && this.visible(previous);
    if (change.type === 'DELETED') {
      if (before || this.visible(change.entry)) this.queue('DELETED', change.entry, false);
    } else if (now) this.queue(before ? 'MODIFIED' : 'ADDED', change.entry, false);
    else if (before) this.queue('DELETED', change.entry, false);
  }

  private queue(type: WatchEventType, entry: CacheEntry, resuming: boolean): void {
    if (resuming && type !== 'DELETED' && !this.visible(entry)) type = 'DELETED';
    const earlier = this.pending.get(entry.key);
    if (earlier?.type === 'ADDED' && type === 'DELETED') this.pending.delete(entry.key);
    else
      this.pending.set(entry.key, {
        type:
          earlier?.type === 'ADDED'
            ? 'ADDED'
            : earlier?.type === 'DELETED' && type === 'ADDED'
              ? 'MODIFIED'
              : type,
        entry,
      });
    if (!this.timer && !resuming) this.timer = setTimeout(() => void this.flush(), COALESCE_MS);
  }

  private async flush(): Promise<void> {
    this.timer = undefined;
    if (this.closed || this.pending.size === 0) return;
    try {
      this.allowed = await this.cluster.listableNamespaces(
        this.client,
        this.resource,
        this.query.namespaces,
      );
    } catch (error) {
      this.close();
      const e = error as { code?: string; message?: string };
      this.send(
        JSON.stringify({
          type: 'error',
          id: this.id,
          code: e.code ?? 'internal',
          message: e.message ?? String(error),
        }),
      );
      return;
    }
    this.flushNow('delta');
  }

  private flushNow(type: 'delta' | 'resume'): void {
    const changes: string[] = [];
    for (const { type: t, entry } of this.pending.values()) {
      const allowedNow = t === 'DELETED' || !this.allowed || this.allowed.has(entry.namespace);
      changes.push(
        `{"type":"${allowedNow ? t : 'DELETED'}","row":${serialized(entry, this.withObjects && t !== 'DELETED')}}`,
      );
    }
    this.pending.clear();
    const rv = this.lastRv ?? this.cache.resourceVersion ?? null;
    this.send(
      `{"type":"${type}","id":${JSON.stringify(this.id)},"resourceVersion":${JSON.stringify(rv)},"changes":[${changes.join(',')}]}`,
    );
  }

  close(): void {
    this.closed = true;
    clearTimeout(this.timer);
    this.unsubscribe?.();
  }
}
