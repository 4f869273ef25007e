import { describe, expect, it } from 'vitest';
import type { CacheEntry } from '../../src/kube/cache-entry.js';
import { SortedIndex, comparePosition } from '../../src/kube/sorted-index.js';

/** Only what the index reads: the key and the column value. */
const entry = (key: string, value: number) => ({ key, value }) as unknown as CacheEntry;
const valueOf = (e: CacheEntry) => (e as unknown as { value: number }).value;

function walked(index: SortedIndex, from: number, step: 1 | -1): string[] {
  const keys: string[] = [];
  index.walk(from, step, (e) => (keys.push(e.key), true));
  return keys;
}

describe('sorted index', () => {
  it('keeps column order through thousands of inserts, removals and in-place replacements', () => {
    let seed = 5;
    const rand = () => (seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 2 ** 32;
    const live = new Map<string, CacheEntry>();
    for (let i = 0; i < 1000; i++) live.set(`k${i}`, entry(`k${i}`, Math.floor(rand() * 100)));
    const index = new SortedIndex(valueOf, live.values());
    for (let round = 0; round < 20_000; round++) {
      const key = `k${Math.floor(rand() * 8000)}`;
      const previous = live.get(key);
      const next = entry(
        key,
        rand() < 0.5 && previous ? valueOf(previous) : Math.floor(rand() * 100),
      );
      if (previous && rand() < 0.2) {
        index.remove(previous);
        live.delete(key);
      } else if (previous) {
        index.replace(previous, next);
        live.set(key, next);
      } else {
        index.insert(next);
        live.set(key, next);
      }
    }
    const expected = [...live.values()]
      .sort((a, b) => comparePosition(valueOf(a), a.key, valueOf(b), b.key))
      .map((e) => e.key);
    expect(index.size).toBe(expected.length);
    expect(walked(index, 0, 1)).toEqual(expected);
    expect(walked(index, index.size - 1, -1)).toEqual([...expected].reverse());
    for (const at of [0, 1, 255, 256, 511, 512, 1000, expected.length - 1]) {
      expect(walked(index, at, 1)).toEqual(expected.slice(at));
      expect(walked(index, at, -1)).toEqual(expected.slice(0, at + 1).reverse());
      const e = live.get(expected[at]!)!;
      expect(index.lowerBound(valueOf(e), e.key, true)).toBe(at);
      expect(index.lowerBound(valueOf(e), e.key, false)).toBe(at + 1);
    }
  });

  it('walks nothing when empty and survives being emptied', () => {
    const a = entry('a', 1);
    const index = new SortedIndex(valueOf, [a]);
    index.remove(a);
    expect(index.size).toBe(0);
    expect(walked(index, 0, 1)).toEqual([]);
    index.insert(a);
    expect(walked(index, 0, -1)).toEqual(['a']);
  });
});
