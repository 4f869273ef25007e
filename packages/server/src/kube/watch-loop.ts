import type { PrinterColumn } from '@kubeops/contracts';
import { TABLE_ACCEPT, jsonLines, type KubeClient } from './kube-client.js';
import { KubeOpsError } from '../core/errors.js';
import { isKubeStatus } from './kube-error.js';

export interface KubeObject {
  apiVersion?: string;
  kind?: string;
  metadata: {
    name: string;
    namespace?: string;
    uid?: string;
    resourceVersion?: string;
    creationTimestamp?: string;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
    ownerReferences?: Array<{
      apiVersion: string;
      kind: string;
      name: string;
      uid: string;
      controller?: boolean;
    }>;
    managedFields?: unknown;
    [key: string]: unknown;
  };
  [key: string]: unknown;
}

/** One object as the API server sent it, with its printer cells when listed as a Table. */
export interface WatchedItem {
  object: KubeObject;
  cells?: unknown[] | undefined;
}

export type WatchEventType = 'ADDED' | 'MODIFIED' | 'DELETED';

export interface WatchHandlers {
  /**
   * A complete (re)list arrives a page at a time, so no more than one page of
   * parsed objects is ever held; after the last page the handler drops what
   * the list did not contain.
   */
  onListPage?(items: WatchedItem[], resourceVersion: string): void;
  /** A (re)list begins: pages of a list that failed midway are not part of it. */
  onListStart?(): void;
  onListEnd?(resourceVersion: string): void;
  onEvent(type: WatchEventType, item: WatchedItem, resourceVersion: string): void;
  onColumns?(columns: PrinterColumn[]): void;
  /** The watch is (re)connected or lost. */
  onConnection?(connected: boolean, error?: unknown): void;
  /** The API server says nothing changed up to this resourceVersion. */
  onBookmark?(resourceVersion: string): void;
  /** A relist is about to replace the state (after 410 Gone). */
  onReset?(): void;
}

export interface WatchOptions {
  /** Ask for Table rows with the full object (printer columns computed by the API server). */
  table?: boolean;
  listChunk?: number;
}

interface TableRow {
  cells: unknown[];
  object?: KubeObject;
}
interface Table {
  kind?: string;
  metadata?: { resourceVersion?: string; continue?: string };
  columnDefinitions?: Array<{
    name: string;
    type: string;
    format?: string;
    description?: string;
    priority?: number;
  }>;
  rows?: TableRow[];
  items?: KubeObject[];
}

const MAX_BACKOFF_MS = 30_000;

/**
 * List then watch one collection forever: resumes from the last
 * resourceVersion (advanced by bookmarks) after the stream drops, relists
 * only on 410 Gone, and backs off while the server is unreachable.
 */
export class WatchLoop {
  resourceVersion: string | undefined;
  synced = false;
  connected = false;
  disconnectedAt: number | undefined = Date.now();
  lastError: string | null = null;
  /** Relists so far (1 after the first sync); a resumed watch does not add one. */
  lists = 0;
  /** The API server's answer when it refused the last list outright (401, 403, 404): waiting will not help. */
  private listRefused: KubeOpsError | undefined;
  private stopped = false;
  private abort: AbortController | undefined;
  private running: Promise<void> | undefined;
  private sleeping: { timer: NodeJS.Timeout; wake: () => void } | undefined;

  constructor(
    private readonly client: KubeClient,
    private readonly path: string,
    private readonly handlers: WatchHandlers,
    private readonly options: WatchOptions = {},
  ) {}

  start(): void {
    this.running ??= this.run();
  }

  stop(): void {
    this.stopped = true;
    this.abort?.abort();
    if (this.sleeping) {
      clearTimeout(this.sleeping.timer);
      this.sleeping.wake();
    }
  }

  private async run(): Promise<void> {
    let failures = 0;
    while (!this.stopped) {
      try {
        if (this.resourceVersion === undefined) await this.list();
        await this.watch();
        failures = 0;
      } catch (error) {
        if (this.stopped) break;
        this.listRefused =
          this.resourceVersion === undefined &&
          [401, 403, 404].some((status) => isKubeStatus(error, status))
            ? (error as KubeOpsError)
            : undefined;
        this.setConnected(false, error);
        if (isKubeStatus(error, 410) || (error as { gone?: boolean }).gone) {
          this.handlers.onReset?.();
          this.resourceVersion = undefined;
          continue;
        }
        failures += 1;
        const backoff =
          Math.min(MAX_BACKOFF_MS, 250 * 2 ** Math.min(failures, 8)) * (0.8 + Math.random() * 0.4);
        await this.sleep(backoff);
      }
    }
    this.setConnected(false);
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.sleeping = undefined;
        resolve();
      }, ms);
      this.sleeping = { timer, wake: resolve };
    });
  }

  private accept(): string | undefined {
    return this.options.table ? TABLE_ACCEPT : undefined;
  }

  private async list(): Promise<void> {
    let next: string | undefined;
    let resourceVersion = '';
    this.handlers.onListStart?.();
    do {
      this.abort = new AbortController();
      const page = await this.client.request<Table>({
        path: this.path,
        query: {
          limit: this.options.listChunk ?? 1000,
          continue: next,
          ...(this.options.table ? { includeObject: 'Object' } : {}),
        },
        accept: this.accept(),
        timeoutMs: 120_000,
        signal: this.abort.signal,
      });
      resourceVersion = page.metadata?.resourceVersion ?? resourceVersion;
      this.handlers.onListPage?.(this.itemsOf(page), resourceVersion);
      next = page.metadata?.continue || undefined;
    } while (next && !this.stopped);
    if (this.stopped) return;
    this.lists += 1;
    this.listRefused = undefined;
    this.resourceVersion = resourceVersion;
    this.handlers.onListEnd?.(resourceVersion);
    this.synced = true;
  }

  private itemsOf(table: Table): WatchedItem[] {
    if (table.columnDefinitions && this.handlers.onColumns) {
      this.handlers.onColumns(
        table.columnDefinitions.map((c) => ({
          name: c.name,
          type: c.type,
          ...(c.format ? { format: c.format } : {}),
          ...(c.description ? { description: c.description } : {}),
          priority: c.priority ?? 0,
        })),
      );
    }
    if (table.kind === 'Table')
      return (table.rows ?? [])
        .filter((r) => r.object)
        .map((r) => ({ object: r.object!, cells: r.cells }));
    return (table.items ?? []).map((object) => ({ object }));
  }

  private async watch(): Promise<void> {
    this.abort = new AbortController();
    const response = await this.client.open({
      path: this.path,
      query: {
        watch: 1,
        allowWatchBookmarks: true,
        resourceVersion: this.resourceVersion,
        timeoutSeconds: 300 + Math.floor(Math.random() * 300),
        ...(this.options.table ? { includeObject: 'Object' } : {}),
      },
      accept: this.accept(),
      timeoutMs: 0,
      signal: this.abort.signal,
    });
    this.setConnected(true);
    for await (const event of jsonLines<{
      type: string;
      object: Table & KubeObject & { code?: number; message?: string };
    }>(response)) {
      if (event.type === 'ERROR') {
        const gone = event.object.code === 410;
        throw Object.assign(new Error(event.object.message ?? 'watch error'), { gone });
      }
      // As a Table, an event carries rows; as plain JSON, the object itself (not a list of them).
      const items =
        event.object.kind === 'Table' ? this.itemsOf(event.object) : [{ object: event.object }];
      const rv =
        items[0]?.object.metadata.resourceVersion ?? event.object.metadata?.resourceVersion;
      if (rv) this.resourceVersion = String(rv);
      if (event.type === 'BOOKMARK') {
        if (rv) this.handlers.onBookmark?.(String(rv));
        continue;
      }
      for (const item of items)
        this.handlers.onEvent(event.type as WatchEventType, item, this.resourceVersion ?? '');
    }
  }

  private setConnected(connected: boolean, error?: unknown): void {
    if (connected === this.connected && error === undefined) return;
    this.connected = connected;
    if (connected) {
      this.disconnectedAt = undefined;
      this.lastError = null;
    } else {
      this.disconnectedAt ??= Date.now();
      if (error !== undefined)
        this.lastError = error instanceof Error ? error.message : String(error);
    }
    this.handlers.onConnection?.(connected, error);
  }

  stalenessMs(): number {
    return this.connected || this.disconnectedAt === undefined
      ? 0
      : Date.now() - this.disconnectedAt;
  }

  /**
   * Resolves once the first list is in. Fails at once when the API server
   * refuses KubeOps's own credentials (the cache can never fill: an operator
   * must grant list and watch), and with a 503 when the list takes too long.
   */
  async waitSynced(timeoutMs = 60_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!this.synced) {
      if (this.listRefused)
        throw new KubeOpsError(
          'cache_list_refused',
          502,
          `The cluster refused KubeOps's own credentials a list of ${this.path} (${this.listRefused.status}: ${this.listRefused.message}); ` +
            'grant them list and watch on this resource in every namespace, as the Helm chart ClusterRole does',
          { details: { path: this.path, clusterStatus: this.listRefused.status } },
        );
      if (Date.now() > deadline)
        throw new KubeOpsError(
          'cache_not_synced',
          503,
          `The cache of ${this.path} did not fill within ${timeoutMs} ms: ${this.lastError ?? 'still listing'}`,
          { details: { path: this.path }, headers: { 'retry-after': '5' } },
        );
      await new Promise((r) => setTimeout(r, 20));
    }
  }
}
