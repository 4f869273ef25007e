import type { CacheEntry } from './cache-entry.js';

/**
 * The entries of a cache per namespace and per label `key=value`, so a query
 * for one app, one namespace or the namespaces a user may see visits only
 * those entries instead of every object in the cluster.
 */
export class PostingIndex {
  private readonly byNamespace = new Map<string, Set<CacheEntry>>();
  private readonly byLabel = new Map<string, Map<string, Set<CacheEntry>>>();

  constructor(all: Iterable<CacheEntry>) {
    for (const entry of all) this.insert(entry);
  }

  insert(entry: CacheEntry): void {
    add(this.byNamespace, entry.namespace, entry);
    for (const key in entry.labels) {
      let values = this.byLabel.get(key);
      if (!values) this.byLabel.set(key, (values = new Map()));
      add(values, entry.labels[key]!, entry);
    }
  }

  remove(entry: CacheEntry): void {
    drop(this.byNamespace, entry.namespace, entry);
    for (const key in entry.labels) {
      const values = this.byLabel.get(key);
      if (!values) continue;
      drop(values, entry.labels[key]!, entry);
      if (values.size === 0) this.byLabel.delete(key);
    }
  }

  /** Entries in any of these namespaces (disjoint sets). */
  inNamespaces(namespaces: Iterable<string>): Set<CacheEntry>[] {
    return present([...namespaces].map((n) => this.byNamespace.get(n)));
  }

  /** Entries whose label `key` has one of `values`, or any value when `values` is undefined (disjoint sets). */
  withLabel(key: string, values: Iterable<string> | undefined): Set<CacheEntry>[] {
    const byValue = this.byLabel.get(key);
    if (!byValue) return [];
    return values === undefined
      ? [...byValue.values()]
      : present([...values].map((v) => byValue.get(v)));
  }
}

function add(map: Map<string, Set<CacheEntry>>, key: string, entry: CacheEntry): void {
  let set = map.get(key);
  if (!set) map.set(key, (set = new Set()));
  set.add(entry);
}

function drop(map: Map<string, Set<CacheEntry>>, key: string, entry: CacheEntry): void {
  const set = map.get(key);
  if (!set) return;
  set.delete(entry);
  if (set.size === 0) map.delete(key);
}

const present = (sets: Array<Set<CacheEntry> | undefined>) =>
  sets.filter((s): s is Set<CacheEntry> => s !== undefined);
