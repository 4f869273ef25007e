import type { CacheEntry } from './cache-entry.js';

/** Filters remembered per cache; the least recently asked one makes room. */
const MAX_FILTERS = 64;

interface Count {
  count: number;
  matches: (entry: CacheEntry) => boolean;
  askedAt: number;
}

/**
 * How many entries match each recently asked filter, kept current one change
 * at a time. A filter asked again (the next page, another sort order, the
 * console's refresh, a second tab) gets its total without a walk over every
 * object of a 50,000-pod cluster; a change costs one match test per filter.
 */
export class FilterCounts {
  private readonly counts = new Map<string, Count>();
  private asked = 0;

  get(key: string): number | undefined {
    const known = this.counts.get(key);
    if (!known) return undefined;
    known.askedAt = ++this.asked;
    return known.count;
  }

  remember(key: string, count: number, matches: (entry: CacheEntry) => boolean): void {
    if (this.counts.size >= MAX_FILTERS && !this.counts.has(key)) {
      let oldest: string | undefined;
      let oldestAt = Infinity;
      for (const [k, c] of this.counts)
        if (c.askedAt < oldestAt) [oldest, oldestAt] = [k, c.askedAt];
      this.counts.delete(oldest!);
    }
    this.counts.set(key, { count, matches, askedAt: ++this.asked });
  }

  /** An object changed: `previous` is what it was (if it existed), `current` what it is (if it still exists). */
  change(current: CacheEntry | undefined, previous: CacheEntry | undefined): void {
    for (const known of this.counts.values()) {
      if (previous && known.matches(previous)) known.count--;
      if (current && known.matches(current)) known.count++;
    }
  }

  /** The columns changed: field filters read other cells now. */
  clear(): void {
    this.counts.clear();
  }
}
