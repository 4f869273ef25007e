import type { CacheEntry } from './cache-entry.js';

export type SortValue = string | number;
export type SortKeyOf = (entry: CacheEntry) => SortValue;

export function compareValues(a: SortValue, b: SortValue): number {
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  if (typeof a === 'number') return -1;
  if (typeof b === 'number') return 1;
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Position of (value, key) in sort order; ties on value are broken by the unique key. */
export function comparePosition(
  value: SortValue,
  key: string,
  otherValue: SortValue,
  otherKey: string,
): number {
  const c = compareValues(value, otherValue);
  if (c !== 0) return c;
  return key < otherKey ? -1 : key > otherKey ? 1 : 0;
}

/**
 * Every entry of a cache in the order of one column, kept up to date one
 * change at a time (binary search, then one splice) instead of re-sorting
 * tens of thousands of entries per request.
 */
export class SortedIndex {
  private entries: CacheEntry[];

  constructor(
    readonly keyOf: SortKeyOf,
    all: Iterable<CacheEntry>,
  ) {
    this.entries = [...all].sort((a, b) => comparePosition(keyOf(a), a.key, keyOf(b), b.key));
  }

  get size(): number {
    return this.entries.length;
  }

  at(index: number): CacheEntry | undefined {
    return this.entries[index];
  }

  /** First index whose entry sorts after (value, key); `inclusive` includes an exact match. */
  lowerBound(value: SortValue, key: string, inclusive = true): number {
    let lo = 0;
    let hi = this.entries.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      const e = this.entries[mid]!;
      const c = comparePosition(this.keyOf(e), e.key, value, key);
      if (c < 0 || (!inclusive && c === 0)) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  insert(entry: CacheEntry): void {
    this.entries.splice(this.lowerBound(this.keyOf(entry), entry.key), 0, entry);
  }

  remove(entry: CacheEntry): void {
    const at = this.lowerBound(this.keyOf(entry), entry.key);
    if (this.entries[at]?.key === entry.key) this.entries.splice(at, 1);
  }

  /**
   * A new version of an object: most changes (a pod's status) leave the
   * column's value as it was, and then the entry is swapped in place instead
   * of two splices that shift tens of thousands of entries.
   */
  replace(previous: CacheEntry, entry: CacheEntry): void {
    const value = this.keyOf(entry);
    if (compareValues(this.keyOf(previous), value) === 0) {
      const at = this.lowerBound(value, entry.key);
      if (this.entries[at]?.key === entry.key) {
        this.entries[at] = entry;
        return;
      }
    }
    this.remove(previous);
    this.insert(entry);
  }
}
