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

/** Entries per block: a change shifts at most this many, a block split happens every few hundred inserts. */
const BLOCK = 512;

/**
 * Every entry of a cache in the order of one column, kept up to date one
 * change at a time instead of re-sorting tens of thousands of entries per
 * request. The order is held in blocks of at most BLOCK entries, so an
 * insert or a removal shifts one block, not the whole column (at 50,000 pods
 * a single array cost two 50,000-entry shifts per status update).
 */
export class SortedIndex {
  private blocks: CacheEntry[][];
  private count: number;

  constructor(
    readonly keyOf: SortKeyOf,
    all: Iterable<CacheEntry>,
  ) {
    // Each value computed once, not twice per comparison (a printer column's value is parsed from its cell).
    const sorted = [...all]
      .map((entry) => ({ value: keyOf(entry), entry }))
      .sort((a, b) => comparePosition(a.value, a.entry.key, b.value, b.entry.key))
      .map((v) => v.entry);
    this.count = sorted.length;
    // Half-full blocks leave room for inserts before the first split.
    this.blocks = [];
    for (let i = 0; i < sorted.length; i += BLOCK / 2)
      this.blocks.push(sorted.slice(i, i + BLOCK / 2));
    if (this.blocks.length === 0) this.blocks.push([]);
  }

  get size(): number {
    return this.count;
  }

  private compare(entry: CacheEntry, value: SortValue, key: string): number {
    return comparePosition(this.keyOf(entry), entry.key, value, key);
  }

  /** The block where (value, key) is or belongs: the first whose last entry does not sort before it. */
  private blockOf(value: SortValue, key: string): number {
    let lo = 0;
    let hi = this.blocks.length - 1;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      const block = this.blocks[mid]!;
      if (block.length > 0 && this.compare(block[block.length - 1]!, value, key) < 0) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /** Position within a block of the first entry not before (value, key); `inclusive` false skips an exact match. */
  private offsetIn(block: CacheEntry[], value: SortValue, key: string, inclusive: boolean): number {
    let lo = 0;
    let hi = block.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      const c = this.compare(block[mid]!, value, key);
      if (c < 0 || (!inclusive && c === 0)) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /** Position (0..size) of the first entry sorting after (value, key); `inclusive` includes an exact match. */
  lowerBound(value: SortValue, key: string, inclusive = true): number {
    const b = this.blockOf(value, key);
    let position = 0;
    for (let i = 0; i < b; i++) position += this.blocks[i]!.length;
    return position + this.offsetIn(this.blocks[b]!, value, key, inclusive);
  }

  /**
   * Visits entries from position `from` one by one in the direction of `step`
   * (1: ascending, -1: descending) until `visit` returns false or the end.
   */
  walk(from: number, step: 1 | -1, visit: (entry: CacheEntry) => boolean): void {
    if (from < 0 || from >= this.count) return;
    let b = 0;
    let offset = from;
    while (offset >= this.blocks[b]!.length) offset -= this.blocks[b++]!.length;
    for (; b >= 0 && b < this.blocks.length; b += step) {
      const block = this.blocks[b]!;
      if (offset < 0) offset = block.length - 1;
      for (; offset >= 0 && offset < block.length; offset += step)
        if (!visit(block[offset]!)) return;
      offset = step === 1 ? 0 : -1;
    }
  }

  insert(entry: CacheEntry): void {
    const value = this.keyOf(entry);
    const b = this.blockOf(value, entry.key);
    const block = this.blocks[b]!;
    block.splice(this.offsetIn(block, value, entry.key, true), 0, entry);
    this.count++;
    if (block.length > BLOCK)
      this.blocks.splice(b, 1, block.slice(0, BLOCK / 2), block.slice(BLOCK / 2));
  }

  remove(entry: CacheEntry): void {
    const value = this.keyOf(entry);
    const b = this.blockOf(value, entry.key);
    const block = this.blocks[b]!;
    const at = this.offsetIn(block, value, entry.key, true);
    if (block[at]?.key !== entry.key) return;
    block.splice(at, 1);
    this.count--;
    if (block.length === 0 && this.blocks.length > 1) this.blocks.splice(b, 1);
  }

  /**
   * A new version of an object: most changes (a pod's status) leave the
   * column's value as it was, and then the entry is swapped in place.
   */
  replace(previous: CacheEntry, entry: CacheEntry): void {
    const value = this.keyOf(entry);
    if (compareValues(this.keyOf(previous), value) === 0) {
      const block = this.blocks[this.blockOf(value, entry.key)]!;
      const at = this.offsetIn(block, value, entry.key, true);
      if (block[at]?.key === entry.key) {
        block[at] = entry;
        return;
      }
    }
    this.remove(previous);
    this.insert(entry);
  }
}
