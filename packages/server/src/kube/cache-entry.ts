import type { ObjectCodec } from './object-codec.js';
import type { WatchedItem } from './watch-loop.js';

/**
 * One cached object, kept small: the stripped object, compressed, plus the few fields queries filter
 * and sort on. Objects are parsed only for the page being returned.
 */
export interface CacheEntry {
  /** `namespace/name`, or `name` for cluster-scoped objects; unique in a cache. */
  readonly key: string;
  readonly namespace: string;
  readonly name: string;
  /** The name in lower case for free-text search (the same string when it already is). */
  readonly searchName: string;
  readonly uid: string;
  readonly resourceVersion: string;
  /** creationTimestamp in ms since the epoch (0 when unknown). */
  readonly created: number;
  readonly labels: Readonly<Record<string, string>>;
  /** Printer column values from the API server (Name and Age left out: they are name and created). */
  readonly cells: readonly unknown[];
  /** The stripped object, encoded by `codec` (compressed); read it with `objectJson`. */
  readonly body: string;
  readonly codec: ObjectCodec;
}

export const objectJson = (entry: CacheEntry): string => entry.codec.decode(entry.body);

/** Fields the API server sends that no view needs: dropped before caching. */
const BULK_ANNOTATIONS = ['kubectl.kubernetes.io/last-applied-configuration'];

const EMPTY: Readonly<Record<string, string>> = Object.freeze({});

/**
 * Repeated values (namespaces, label values, node names, statuses) are stored
 * once per cache: thousands of pods share a handful of distinct strings.
 */
export class StringPool {
  private readonly pool = new Map<string, string>();
  intern<T>(value: T): T {
    if (typeof value !== 'string' || value.length > 64) return value;
    const found = this.pool.get(value);
    if (found !== undefined) return found as T;
    if (this.pool.size < 200_000) this.pool.set(value, value);
    return value;
  }
}

export function entryOf(
  item: WatchedItem,
  keepCells: (cells: unknown[]) => unknown[],
  pool: StringPool,
  codec: ObjectCodec,
): CacheEntry {
  const object = item.object;
  const meta = object.metadata;
  delete meta.managedFields;
  if (meta.annotations) {
    for (const a of BULK_ANNOTATIONS) delete meta.annotations[a];
  }
  let labels = EMPTY;
  if (meta.labels) {
    const interned: Record<string, string> = {};
    for (const [k, v] of Object.entries(meta.labels)) interned[pool.intern(k)] = pool.intern(v);
    labels = interned;
  }
  const namespace = pool.intern(meta.namespace ?? '');
  const name = meta.name;
  const lowerName = name.toLowerCase();
  const created = meta.creationTimestamp ? Date.parse(meta.creationTimestamp) : 0;
  return {
    key: namespace ? `${namespace}/${name}` : name,
    namespace,
    name,
    searchName: lowerName === name ? name : lowerName,
    uid: meta.uid ?? '',
    resourceVersion: meta.resourceVersion ?? '',
    created: Number.isNaN(created) ? 0 : created,
    labels,
    cells: item.cells ? keepCells(item.cells).map((c) => pool.intern(c)) : [],
    body: codec.encode(JSON.stringify(object)),
    codec,
  };
}
