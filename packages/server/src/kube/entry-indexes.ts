import type { CacheEntry } from './cache-entry.js';
import { FilterCounts } from './filter-counts.js';
import { PostingIndex } from './posting-index.js';
import { SortedIndex, type SortKeyOf } from './sorted-index.js';

/**
 * Everything a cache keeps beside its entries to answer queries without
 * visiting all of them: the entries in the order of each column asked for,
 * per namespace and label, and the totals of recent filters. Each is built on
 * first use and then kept current one change at a time.
 */
export class EntryIndexes {
  private readonly sorted = new Map<string, SortedIndex>();
  private postingIndex: PostingIndex | undefined;
  readonly counts = new FilterCounts();

  constructor(private readonly entries: ReadonlyMap<string, CacheEntry>) {}

  /** The entries in the order of a column. */
  sortedBy(name: string, keyOf: SortKeyOf): SortedIndex {
    let index = this.sorted.get(name);
    if (!index) this.sorted.set(name, (index = new SortedIndex(keyOf, this.entries.values())));
    return index;
  }

  /** The entries per namespace and label. */
  postings(): PostingIndex {
    return (this.postingIndex ??= new PostingIndex(this.entries.values()));
  }

  /** An object changed: `previous` is what it was (if it existed), `current` what it is (if it still exists). */
  change(current: CacheEntry | undefined, previous: CacheEntry | undefined): void {
    for (const index of this.sorted.values()) {
      if (previous && current) index.replace(previous, current);
      else if (previous) index.remove(previous);
      else if (current) index.insert(current);
    }
    if (previous) this.postingIndex?.remove(previous);
    if (current) this.postingIndex?.insert(current);
    this.counts.change(current, previous);
  }

  /** The printer columns changed: column orders and field filters mean something else now. */
  columnsChanged(): void {
    this.sorted.clear();
    this.counts.clear();
  }
}
