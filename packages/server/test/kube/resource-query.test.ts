import type { PrinterColumn } from '@kubeops/contracts';
import { describe, expect, it } from 'vitest';
import { StringPool, entryOf, type CacheEntry } from '../../src/kube/cache-entry.js';
import { ObjectCodec } from '../../src/kube/object-codec.js';
import { EntryIndexes } from '../../src/kube/entry-indexes.js';
import {
  compareUnder,
  compileQuery,
  matchesQuery,
  runQuery,
  type QueryInput,
  type QueryableCache,
} from '../../src/kube/resource-query.js';

/**
 * The query engine against a brute-force reference: every page, cursor and
 * total it serves from its indexes (the sorted column walk, the
 * namespace/label postings, the remembered totals of recent filters) must be
 * what filtering and sorting every entry gives, before and after the cache
 * changes under it.
 */

const columns: PrinterColumn[] = [
  { name: 'Status', type: 'string', format: '', description: '', priority: 0 },
  { name: 'Restarts', type: 'integer', format: '', description: '', priority: 0 },
];

/** Deterministic pseudo-random numbers, so a failure replays. */
function random(seed: number): () => number {
  let s = seed;
  return () => (s = (Math.imul(s, 1103515245) + 12345) >>> 0) / 2 ** 32;
}

class MemoryCache implements QueryableCache {
  readonly entries = new Map<string, CacheEntry>();
  readonly indexes = new EntryIndexes(this.entries);
  private readonly pool = new StringPool();
  private readonly codec = new ObjectCodec();
  touch(): void {}
  /** A new object `i`, or a new version of `same` (its name and namespace, anything else may change). */
  put(i: number, rand: () => number, same?: CacheEntry): void {
    const pick = <T>(values: T[]) => values[Math.floor(rand() * values.length)]!;
    const labels: Record<string, string> = { app: pick(['web', 'api', 'db', 'cache']) };
    if (rand() < 0.5) labels.tier = pick(['front', 'back']);
    if (rand() < 0.1) labels.canary = 'true';
    const entry = entryOf(
      {
        object: {
          metadata: {
            name: same?.name ?? `${pick(['Pod', 'pod', 'job'])}-${i}`,
            namespace: same?.namespace ?? `ns-${Math.floor(rand() * 8)}`,
            uid: `uid-${i}`,
            resourceVersion: String(i),
            creationTimestamp: new Date(
              1_700_000_000_000 + Math.floor(rand() * 1e6) * 1000,
            ).toISOString(),
            labels,
          },
        },
        cells: [pick(['Running', 'Pending', 'Failed']), Math.floor(rand() * 4)],
      },
      (cells) => cells,
      this.pool,
      this.codec,
    );
    const previous = this.entries.get(entry.key);
    this.entries.set(entry.key, entry);
    this.indexes.change(entry, previous);
  }
  remove(key: string): void {
    const previous = this.entries.get(key);
    if (!previous) return;
    this.entries.delete(key);
    this.indexes.change(undefined, previous);
  }
}

const QUERIES: QueryInput[] = [
  {},
  { sort: '-age' },
  { namespace: 'ns-3', sort: 'Restarts' },
  { namespace: 'ns-1,ns-2', sort: '-name' },
  { labelSelector: 'app=web', sort: '-age' },
  { labelSelector: 'app in (api,db),tier', sort: 'name' },
  { labelSelector: 'canary', sort: '-Restarts' },
  { labelSelector: 'app notin (web),!tier', sort: 'namespace' },
  { labelSelector: 'tier=front', fieldSelector: 'Status=Running', sort: 'Status' },
  { fieldSelector: 'Status!=Running', q: 'pod-1' },
  { q: 'POD', namespace: 'ns-0', sort: '-name' },
  { labelSelector: 'app=nothing' },
];

/** Every page of a query, following cursors, as names; and the totals each page reported. */
function allPages(cache: MemoryCache, input: QueryInput, allowed?: Set<string>) {
  const names: string[] = [];
  const totals = new Set<number>();
  let cursor: string | undefined;
  for (let pages = 0; pages < 1000; pages++) {
    const result = runQuery(cache, compileQuery({ ...input, limit: 7, cursor }, columns), allowed);
    names.push(...result.items.map((e) => e.key));
    totals.add(result.total);
    if (!result.nextCursor) return { names, totals };
    cursor = result.nextCursor;
  }
  throw new Error('pagination does not end');
}

function reference(cache: MemoryCache, input: QueryInput, allowed?: Set<string>): string[] {
  const query = compileQuery(input, columns);
  return [...cache.entries.values()]
    .filter((e) => matchesQuery(e, query, allowed))
    .sort((a, b) => compareUnder(query, a, b))
    .map((e) => e.key);
}

function expectSameAsReference(cache: MemoryCache, allowed?: Set<string>): void {
  for (const input of QUERIES) {
    const expected = reference(cache, input, allowed);
    const { names, totals } = allPages(cache, input, allowed);
    expect(names, JSON.stringify(input)).toEqual(expected);
    expect([...totals], JSON.stringify(input)).toEqual([expected.length]);
  }
}

describe('resource query engine', () => {
  it('serves the same pages and totals as filtering and sorting every entry', () => {
    const rand = random(7);
    const cache = new MemoryCache();
    for (let i = 0; i < 3000; i++) cache.put(i, rand);
    expectSameAsReference(cache);
    expectSameAsReference(cache, new Set(['ns-0', 'ns-2', 'ns-5']));
  });

  it('stays right while entries change after its indexes were built', () => {
    const rand = random(11);
    const cache = new MemoryCache();
    for (let i = 0; i < 2000; i++) cache.put(i, rand);
    expectSameAsReference(cache);
    for (let i = 0; i < 600; i++) cache.put(Math.floor(rand() * 2500), rand);
    const existing = [...cache.entries.values()];
    for (let i = 0; i < 600; i++)
      cache.put(0, rand, existing[Math.floor(rand() * existing.length)]);
    for (const key of [...cache.entries.keys()].filter((_, i) => i % 5 === 0)) cache.remove(key);
    expectSameAsReference(cache);
    expectSameAsReference(cache, new Set(['ns-7']));
  });

  it('finds names case-insensitively', () => {
    const rand = random(3);
    const cache = new MemoryCache();
    for (let i = 0; i < 50; i++) cache.put(i, rand);
    const upper = runQuery(cache, compileQuery({ q: 'pod' }, columns)).items;
    expect(upper.some((e) => e.name.startsWith('Pod-'))).toBe(true);
    expect(upper.some((e) => e.name.startsWith('pod-'))).toBe(true);
  });
});
