import type { ApiResource, CacheStatus, PrinterColumn } from '@kubeops/contracts';
import type { KubeClient } from './kube-client.js';
import { collectionPath } from './discovery.js';
import { StringPool, entryOf, objectJson, type CacheEntry } from './cache-entry.js';
import { ObjectCodec } from './object-codec.js';
import { EntryIndexes } from './entry-indexes.js';
import { WatchLoop, type KubeObject, type WatchEventType, type WatchedItem } from './watch-loop.js';

export interface CacheChange {
  type: WatchEventType;
  entry: CacheEntry;
  resourceVersion: string;
}

/** Listeners also get the entry as it was, to tell when an object leaves a filtered view. */
export type CacheListener = (change: CacheChange, previous: CacheEntry | undefined) => void;

/**
 * Sees every object as the API server sent it, managedFields included, before
 * the cache strips it (change history needs who wrote what). Called
 * synchronously; an observer copies what it keeps.
 */
export interface ObjectObserver {
  onListStart?(): void;
  onListPage(objects: KubeObject[], resourceVersion: string): void;
  onListEnd(resourceVersion: string): void;
  onEvent(type: WatchEventType, object: KubeObject, resourceVersion: string): void;
}

/** Recent changes kept (at least; up to a quarter more) so a client that reconnects gets only what it missed. */
const HISTORY = 20_000;

const isNameColumn = (c: PrinterColumn) => c.format === 'name' || c.name === 'Name';
const isAgeColumn = (c: PrinterColumn) => c.name === 'Age' || c.name === 'Created At';

/**
 * One resource of one cluster, listed once and then watched, filled with the
 * platform's own credentials. Every read of that resource is answered from
 * here; authorization is checked per request by the caller.
 */
export class ResourceCache {
  readonly entries = new Map<string, CacheEntry>();
  /** Printer columns the cells hold (Name and Age are `name` and `created`). */
  columns: PrinterColumn[] = [];
  private keptCells: number[] = [];
  private readonly pool = new StringPool();
  private readonly codec = new ObjectCodec();
  readonly indexes = new EntryIndexes(this.entries);
  private readonly listeners = new Set<CacheListener>();
  private readonly observers = new Set<ObjectObserver>();
  private readonly history: CacheChange[] = [];
  /** The oldest resourceVersion from which `changesSince` can replay. */
  private historyFrom: string | undefined;
  private readonly loop: WatchLoop;
  lastUsedAt = Date.now();

  /** `namespace`: only that namespace's objects (a cache filled as a user who may not list them all). */
  constructor(
    client: KubeClient,
    readonly resource: ApiResource,
    namespace?: string,
  ) {
    this.loop = new WatchLoop(
      client,
      collectionPath(resource, namespace),
      {
        onColumns: (columns) => this.setColumns(columns),
        onListStart: () => this.listStart(),
        onListPage: (items, rv) => this.listPage(items, rv),
        onListEnd: (rv) => this.listEnd(rv),
        onEvent: (type, item, rv) => this.apply(type, item, rv),
      },
      { table: true, listChunk: 500 },
    );
  }

  start(): void {
    this.loop.start();
  }

  stop(): void {
    this.loop.stop();
  }

  get subscriberCount(): number {
    return this.listeners.size + this.observers.size;
  }

  touch(): void {
    this.lastUsedAt = Date.now();
  }

  async ready(timeoutMs?: number): Promise<void> {
    this.touch();
    this.start();
    await this.loop.waitSynced(timeoutMs);
  }

  status(): CacheStatus {
    return {
      synced: this.loop.synced,
      resourceVersion: this.loop.resourceVersion ?? null,
      items: this.entries.size,
      stalenessMs: this.loop.stalenessMs(),
      lastError: this.loop.lastError,
    };
  }

  /** How many times the cache listed the whole collection (a resumed watch does not). */
  get listCount(): number {
    return this.loop.lists;
  }

  get resourceVersion(): string | undefined {
    return this.loop.resourceVersion;
  }

  subscribe(listener: CacheListener): () => void {
    this.listeners.add(listener);
    this.touch();
    return () => {
      this.listeners.delete(listener);
      this.touch();
    };
  }

  /**
   * Adds an observer of raw objects. When the cache has already listed, what
   * it holds is replayed first as one list (without managedFields: those
   * were not kept), so the observer can compare it with what it knew.
   */
  observeObjects(observer: ObjectObserver): () => void {
    if (this.loop.synced && this.listed === undefined) {
      const rv = this.loop.resourceVersion ?? '';
      observer.onListPage(
        [...this.entries.values()].map((e) => JSON.parse(objectJson(e)) as KubeObject),
        rv,
      );
      observer.onListEnd(rv);
    }
    this.observers.add(observer);
    this.touch();
    return () => {
      this.observers.delete(observer);
      this.touch();
    };
  }

  private setColumns(definitions: PrinterColumn[]): void {
    const custom = new Map(this.resource.printerColumns.map((c) => [c.name, c]));
    const kept: number[] = [];
    const columns: PrinterColumn[] = [];
    definitions.forEach((c, i) => {
      if (isNameColumn(c) || isAgeColumn(c)) return;
      kept.push(i);
      columns.push({
        ...c,
        ...(custom.get(c.name)?.jsonPath ? { jsonPath: custom.get(c.name)!.jsonPath } : {}),
      });
    });
    if (columns.map((c) => c.name).join('\0') !== this.columns.map((c) => c.name).join('\0')) {
      this.indexes.columnsChanged();
    }
    this.columns = columns;
    this.keptCells = kept;
  }

  private entry(item: WatchedItem): CacheEntry {
    return entryOf(
      item,
      (cells) => this.keptCells.map((i) => cells[i] ?? null),
      this.pool,
      this.codec,
    );
  }

  /** Keys seen by the list in progress; a relist emits per-object changes, so subscribers never need a full reload. */
  private listed: Set<string> | undefined;
  private firstList = true;

  /** A list that failed midway is started again: what it had seen says nothing about deletes. */
  private listStart(): void {
    this.listed = undefined;
    for (const observer of this.observers) observer.onListStart?.();
  }

  private listPage(items: WatchedItem[], rv: string): void {
    this.listed ??= new Set();
    if (this.observers.size) {
      const objects = items.map((i) => i.object);
      for (const observer of this.observers) observer.onListPage(objects, rv);
    }
    for (const item of items) {
      const entry = this.entry(item);
      this.listed.add(entry.key);
      const previous = this.entries.get(entry.key);
      if (previous && previous.resourceVersion === entry.resourceVersion) continue;
      this.put(previous ? 'MODIFIED' : 'ADDED', entry, previous, rv, !this.firstList);
    }
  }

  private listEnd(rv: string): void {
    const listed = this.listed ?? new Set<string>();
    for (const [key, previous] of this.entries) {
      if (!listed.has(key)) this.put('DELETED', previous, previous, rv, true);
    }
    this.listed = undefined;
    for (const observer of this.observers) observer.onListEnd(rv);
    if (this.firstList) this.historyFrom = rv;
    this.firstList = false;
  }

  private apply(type: WatchEventType, item: WatchedItem, rv: string): void {
    for (const observer of this.observers) observer.onEvent(type, item.object, rv);
    const entry = this.entry(item);
    this.put(type, entry, this.entries.get(entry.key), rv, true);
  }

  private put(
    type: WatchEventType,
    entry: CacheEntry,
    previous: CacheEntry | undefined,
    rv: string,
    notify: boolean,
  ): void {
    if (type === 'DELETED') this.entries.delete(entry.key);
    else this.entries.set(entry.key, entry);
    this.indexes.change(type === 'DELETED' ? undefined : entry, previous);
    if (!notify) return;
    const change: CacheChange = {
      type: type === 'ADDED' && previous ? 'MODIFIED' : type,
      entry,
      resourceVersion: rv,
    };
    this.history.push(change);
    // Trimmed a quarter at a time: dropping one change per event would shift 20,000 entries each time.
    if (this.history.length > HISTORY * 1.25) {
      this.history.splice(0, this.history.length - HISTORY);
      this.historyFrom = this.history[0]!.resourceVersion;
    }
    for (const listener of this.listeners) listener(change, previous);
  }

  /**
   * Changes after `resourceVersion`, or undefined when they are no longer
   * all known (the client must take a fresh snapshot).
   */
  changesSince(resourceVersion: string): CacheChange[] | undefined {
    const from = this.historyFrom;
    if (from === undefined || !/^\d+$/.test(resourceVersion)) return undefined;
    const rv = BigInt(resourceVersion);
    if (rv < BigInt(from)) return undefined;
    return this.history.filter((c) => BigInt(c.resourceVersion) > rv);
  }
}
