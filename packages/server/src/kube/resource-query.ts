import type { PrinterColumn, ResourceRow } from '@kubeops/contracts';
import { invalidInput } from '../core/errors.js';
import { assertNamespaceName } from './object-names.js';
import { objectJson, type CacheEntry } from './cache-entry.js';
import {
  labelSelectorOf,
  parseLabelRequirements,
  type LabelRequirement,
  type LabelSelector,
} from './label-selector.js';
import type { EntryIndexes } from './entry-indexes.js';
import {
  comparePosition,
  type SortedIndex,
  type SortKeyOf,
  type SortValue,
} from './sorted-index.js';

export interface QueryInput {
  namespace?: string | undefined;
  labelSelector?: string | undefined;
  fieldSelector?: string | undefined;
  q?: string | undefined;
  sort?: string | undefined;
  limit?: number | undefined;
  cursor?: string | undefined;
}

interface FieldFilter {
  negate: boolean;
  value: string;
  read: (entry: CacheEntry) => unknown;
}

/** A query checked against a cache's columns, ready to run many times (one WebSocket subscription). */
export interface CompiledQuery {
  /** Namespaces asked for (undefined: all). */
  namespaces: Set<string> | undefined;
  labels: LabelSelector | undefined;
  /** The parsed selector, for narrowing the candidates through the cache's posting index. */
  labelRequirements: LabelRequirement[];
  fields: FieldFilter[];
  text: string | undefined;
  sortName: string;
  sortKey: SortKeyOf;
  descending: boolean;
  limit: number;
  cursor: { v: SortValue; k: string } | undefined;
  /** What the filters are, whatever the sort, page and cursor: the key of its remembered total. */
  filterKey: string;
}

function readPath(object: unknown, path: string): unknown {
  let value = object;
  for (const part of path.replace(/^\./, '').split('.')) {
    if (typeof value !== 'object' || value === null) return undefined;
    value = (value as Record<string, unknown>)[part];
  }
  return value;
}

function columnIndex(columns: PrinterColumn[], name: string): number {
  const lower = name.toLowerCase();
  return columns.findIndex((c) => c.name.toLowerCase() === lower);
}

function cellValue(cell: unknown, column: PrinterColumn | undefined): SortValue {
  if (cell === null || cell === undefined) return '';
  if (typeof cell === 'number') return cell;
  if (typeof cell === 'boolean') return cell ? 1 : 0;
  const text = String(cell);
  if (column?.type === 'integer' || column?.type === 'number' || /^\d/.test(text)) {
    const n = Number.parseFloat(text);
    if (!Number.isNaN(n)) return n;
  }
  return text;
}

function sortKeyFor(name: string, columns: PrinterColumn[]): SortKeyOf {
  switch (name.toLowerCase()) {
    case 'name':
      return (e) => e.name;
    case 'namespace':
      return (e) => e.namespace;
    case 'age':
    case 'created':
    case 'creationtimestamp':
      return (e) => e.created;
  }
  const i = columnIndex(columns, name);
  if (i < 0) {
    throw invalidInput(
      'sort',
      `unknown column ${JSON.stringify(name)}; use name, namespace, age or one of: ${columns.map((c) => c.name).join(', ')}`,
    );
  }
  const column = columns[i];
  return (e) => cellValue(e.cells[i], column);
}

function fieldReader(path: string, columns: PrinterColumn[]): (entry: CacheEntry) => unknown {
  if (path === 'metadata.name') return (e) => e.name;
  if (path === 'metadata.namespace') return (e) => e.namespace;
  if (path === 'metadata.uid') return (e) => e.uid;
  const i = columnIndex(columns, path);
  if (i >= 0) return (e) => e.cells[i];
  if (!/^[A-Za-z0-9_.-]+$/.test(path))
    throw invalidInput('fieldSelector', `${JSON.stringify(path)} is not a field path`);
  // Not a column: read it from the stored object (slower, still no request to the cluster).
  return (e) => readPath(JSON.parse(objectJson(e)), path);
}

function parseFields(text: string | undefined, columns: PrinterColumn[]): FieldFilter[] {
  if (!text?.trim()) return [];
  return text.split(',').map((part) => {
    const m = /^\s*([^!=\s]+)\s*(==|=|!=)\s*(.*?)\s*$/.exec(part);
    if (!m)
      throw invalidInput(
        'fieldSelector',
        `${JSON.stringify(part)} is not field=value or field!=value`,
      );
    return { negate: m[2] === '!=', value: m[3]!, read: fieldReader(m[1]!, columns) };
  });
}

export function encodeCursor(value: SortValue, key: string): string {
  return Buffer.from(JSON.stringify({ v: value, k: key })).toString('base64url');
}

function decodeCursor(cursor: string | undefined): { v: SortValue; k: string } | undefined {
  if (!cursor) return undefined;
  try {
    const parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as {
      v: unknown;
      k: unknown;
    };
    if (
      (typeof parsed.v === 'string' || typeof parsed.v === 'number') &&
      typeof parsed.k === 'string'
    )
      return { v: parsed.v, k: parsed.k };
  } catch {
    // fall through
  }
  throw invalidInput('cursor', 'is not a cursor returned by this API');
}

/** One query names at most this many namespaces: each may cost an access review. */
export const MAX_QUERY_NAMESPACES = 100;

/** The namespaces a query asks for (undefined: all), each a valid namespace name, at most MAX_QUERY_NAMESPACES. */
export function namespacesOf(namespace: string | undefined): Set<string> | undefined {
  if (!namespace?.trim()) return undefined;
  const names = new Set(
    namespace
      .split(',')
      .map((n) => n.trim())
      .filter(Boolean),
  );
  if (names.size > MAX_QUERY_NAMESPACES)
    throw invalidInput(
      'query.namespace',
      `names ${names.size} namespaces; ask for at most ${MAX_QUERY_NAMESPACES} at once, or omit it for all`,
    );
  for (const name of names) assertNamespaceName(name, 'query.namespace');
  return names.size > 0 ? names : undefined;
}

export function compileQuery(input: QueryInput, columns: PrinterColumn[]): CompiledQuery {
  const namespaces = namespacesOf(input.namespace);
  const sort = input.sort?.trim() || 'name';
  const descending = sort.startsWith('-');
  const sortName = descending ? sort.slice(1) : sort;
  const labelRequirements = parseLabelRequirements(input.labelSelector) ?? [];
  return {
    namespaces,
    labels: labelRequirements.length > 0 ? labelSelectorOf(labelRequirements) : undefined,
    labelRequirements,
    fields: parseFields(input.fieldSelector, columns),
    text: input.q?.trim().toLowerCase() || undefined,
    sortName: sortName.toLowerCase(),
    sortKey: sortKeyFor(sortName, columns),
    descending,
    limit: input.limit ?? 100,
    cursor: decodeCursor(input.cursor),
    filterKey: JSON.stringify([
      namespaces ? [...namespaces].sort() : null,
      input.labelSelector?.trim() ?? '',
      input.fieldSelector?.trim() ?? '',
      input.q?.trim().toLowerCase() ?? '',
    ]),
  };
}

/** Whether an entry passes a query's filters; `allowed` narrows to namespaces the user may list. */
export function matchesQuery(
  entry: CacheEntry,
  query: CompiledQuery,
  allowed?: Set<string>,
): boolean {
  if (query.namespaces && !query.namespaces.has(entry.namespace)) return false;
  if (allowed && !allowed.has(entry.namespace)) return false;
  if (query.text && !entry.searchName.includes(query.text)) return false;
  if (query.labels && !query.labels(entry.labels)) return false;
  for (const f of query.fields) {
    const value = f.read(entry);
    const equal = String(value ?? '') === f.value;
    if (equal === f.negate) return false;
  }
  return true;
}

/** What a query reads from a cache: its entries in column order and per namespace and label. */
export interface QueryableCache {
  touch(): void;
  readonly indexes: EntryIndexes;
}

export interface QueryResult {
  items: CacheEntry[];
  total: number;
  nextCursor: string | null;
}

/**
 * The entries a query can only match, from the cache's posting index: the
 * smallest of what its namespaces (asked for, or allowed to the user) and its
 * `key=value`, `key in (…)` and `key` label requirements select, as disjoint
 * sets. Undefined when no filter narrows that way (every entry is a candidate).
 */
function candidates(
  cache: QueryableCache,
  query: CompiledQuery,
  allowed: Set<string> | undefined,
): { sets: Set<CacheEntry>[]; size: number } | undefined {
  const namespaces =
    query.namespaces && allowed
      ? [...query.namespaces].filter((n) => allowed.has(n))
      : (query.namespaces ?? allowed);
  const narrowing = query.labelRequirements.filter((r) => r.op === 'in' || r.op === 'exists');
  if (!namespaces && narrowing.length === 0) return undefined;
  const postings = cache.indexes.postings();
  const options = narrowing.map((r) =>
    postings.withLabel(r.key, r.op === 'in' ? r.values : undefined),
  );
  if (namespaces) options.push(postings.inNamespaces(namespaces));
  let best: { sets: Set<CacheEntry>[]; size: number } | undefined;
  for (const sets of options) {
    const size = sets.reduce((n, s) => n + s.size, 0);
    if (!best || size < best.size) best = { sets, size };
  }
  return best;
}

/**
 * The total of a query whose only filters exclude label values (`app notin
 * (a,b)`, `tier!=db`, `!canary`): every entry but those the posting index
 * lists under the excluded values, counted without visiting the rest.
 * Undefined for any other query.
 */
function countByExclusion(
  cache: QueryableCache,
  query: CompiledQuery,
  allowed: Set<string> | undefined,
  size: number,
): number | undefined {
  const r = query.labelRequirements;
  if (
    r.length === 0 ||
    query.namespaces ||
    allowed ||
    query.text ||
    query.fields.length > 0 ||
    r.some((req) => req.op !== 'notin' && req.op !== '!exists')
  )
    return undefined;
  const postings = cache.indexes.postings();
  const excluded = new Set<CacheEntry>();
  for (const req of r)
    for (const set of postings.withLabel(req.key, req.op === 'notin' ? req.values : undefined))
      for (const entry of set) excluded.add(entry);
  return size - excluded.size;
}

/**
 * A page of a cache in the order of the sort column. Few candidates (one app,
 * one namespace of many) are filtered and sorted on their own; otherwise the
 * column's index is walked from the cursor until the page is full. The total
 * comes from the filter's remembered count when it was asked recently, and is
 * counted (then remembered) otherwise.
 */
export function runQuery(
  cache: QueryableCache,
  query: CompiledQuery,
  allowed?: Set<string>,
): QueryResult {
  cache.touch();
  const counts = cache.indexes.counts;
  const countKey = allowed ? `${query.filterKey}${[...allowed].sort().join(',')}` : query.filterKey;
  const known = counts.get(countKey);
  const few = candidates(cache, query, allowed);
  const index = cache.indexes.sortedBy(query.sortName, query.sortKey);
  // Sorting k candidates costs about k·log2(k) comparisons against one cheap check per entry of a walk.
  const result =
    few && few.size * Math.log2(few.size + 2) < index.size
      ? pageOfCandidates(few.sets, query, allowed)
      : pageOfIndex(
          index,
          query,
          allowed,
          known ?? countByExclusion(cache, query, allowed, index.size),
        );
  if (known === undefined)
    counts.remember(countKey, result.total, (entry) => matchesQuery(entry, query, allowed));
  return result;
}

function pageOfCandidates(
  sets: Set<CacheEntry>[],
  query: CompiledQuery,
  allowed: Set<string> | undefined,
): QueryResult {
  const matched: Array<{ value: SortValue; entry: CacheEntry }> = [];
  for (const set of sets)
    for (const entry of set)
      if (matchesQuery(entry, query, allowed)) matched.push({ value: query.sortKey(entry), entry });
  const direction = query.descending ? -1 : 1;
  matched.sort((a, b) => comparePosition(a.value, a.entry.key, b.value, b.entry.key) * direction);
  const cursor = query.cursor;
  const start = cursor
    ? matched.findIndex(
        (m) => comparePosition(m.value, m.entry.key, cursor.v, cursor.k) * direction > 0,
      )
    : 0;
  const page = start < 0 ? [] : matched.slice(start, start + query.limit);
  const last = page.at(-1);
  const more = start >= 0 && start + page.length < matched.length;
  return {
    items: page.map((m) => m.entry),
    total: matched.length,
    nextCursor: more && last ? encodeCursor(last.value, last.entry.key) : null,
  };
}

/** Walks the sorted index from the cursor; with a `knownTotal` it stops one match after the page is full. */
function pageOfIndex(
  index: SortedIndex,
  query: CompiledQuery,
  allowed: Set<string> | undefined,
  knownTotal: number | undefined,
): QueryResult {
  const step = query.descending ? -1 : 1;
  const first = query.descending ? index.size - 1 : 0;
  let start = first;
  if (query.cursor) {
    start = query.descending
      ? index.lowerBound(query.cursor.v, query.cursor.k, true) - 1
      : index.lowerBound(query.cursor.v, query.cursor.k, false);
  }
  const items: CacheEntry[] = [];
  let counted = 0;
  let more = false;
  if (knownTotal === undefined) {
    // Matches before the cursor count towards the total too.
    let before = Math.abs(start - first);
    index.walk(first, step, (entry) => {
      if (before-- <= 0) return false;
      if (matchesQuery(entry, query, allowed)) counted++;
      return true;
    });
  }
  index.walk(start, step, (entry) => {
    if (!matchesQuery(entry, query, allowed)) return true;
    counted++;
    if (items.length < query.limit) {
      items.push(entry);
      return true;
    }
    more = true;
    return knownTotal === undefined;
  });
  const last = items.at(-1);
  return {
    items,
    total: knownTotal ?? counted,
    nextCursor: more && last ? encodeCursor(query.sortKey(last), last.key) : null,
  };
}

export function rowOf(entry: CacheEntry, withObject: boolean): ResourceRow {
  return {
    namespace: entry.namespace || null,
    name: entry.name,
    uid: entry.uid,
    resourceVersion: entry.resourceVersion,
    createdAt: entry.created ? new Date(entry.created).toISOString() : null,
    labels: entry.labels as Record<string, string>,
    cells: entry.cells as unknown[],
    ...(withObject ? { object: JSON.parse(objectJson(entry)) as unknown } : {}),
  };
}

const rowJsonMemo = new WeakMap<CacheEntry, string>();
const rowWithObjectMemo = new WeakMap<CacheEntry, string>();

/**
 * An entry's row as JSON, built once per version of the object (entries are
 * immutable) however many pages and sockets send it.
 */
export function rowJson(entry: CacheEntry, withObject: boolean): string {
  const memo = withObject ? rowWithObjectMemo : rowJsonMemo;
  let json = memo.get(entry);
  if (json === undefined) {
    json = JSON.stringify(rowOf(entry, withObject));
    memo.set(entry, json);
  }
  return json;
}

/** Sort order of two entries under a query (for clients merging deltas into a page). */
export const compareUnder = (query: CompiledQuery, a: CacheEntry, b: CacheEntry) =>
  comparePosition(query.sortKey(a), a.key, query.sortKey(b), b.key) * (query.descending ? -1 : 1);
