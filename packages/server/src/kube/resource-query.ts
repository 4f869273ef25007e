import type { PrinterColumn, ResourceRow } from '@kubeops/contracts';
import { invalidInput } from '../core/errors.js';
import { objectJson, type CacheEntry } from './cache-entry.js';
import { parseLabelSelector, type LabelSelector } from './label-selector.js';
import type { ResourceCache } from './resource-cache.js';
import { comparePosition, type SortKeyOf, type SortValue } from './sorted-index.js';

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
  fields: FieldFilter[];
  text: string | undefined;
  sortName: string;
  sortKey: SortKeyOf;
  descending: boolean;
  limit: number;
  cursor: { v: SortValue; k: string } | undefined;
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

export function compileQuery(input: QueryInput, columns: PrinterColumn[]): CompiledQuery {
  const namespaces = input.namespace?.trim()
    ? new Set(
        input.namespace
          .split(',')
          .map((n) => n.trim())
          .filter(Boolean),
      )
    : undefined;
  const sort = input.sort?.trim() || 'name';
  const descending = sort.startsWith('-');
  const sortName = descending ? sort.slice(1) : sort;
  return {
    namespaces,
    labels: parseLabelSelector(input.labelSelector),
    fields: parseFields(input.fieldSelector, columns),
    text: input.q?.trim().toLowerCase() || undefined,
    sortName: sortName.toLowerCase(),
    sortKey: sortKeyFor(sortName, columns),
    descending,
    limit: input.limit ?? 100,
    cursor: decodeCursor(input.cursor),
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
  if (query.text && !entry.name.toLowerCase().includes(query.text)) return false;
  if (query.labels && !query.labels(entry.labels)) return false;
  for (const f of query.fields) {
    const value = f.read(entry);
    const equal = String(value ?? '') === f.value;
    if (equal === f.negate) return false;
  }
  return true;
}

export interface QueryResult {
  items: CacheEntry[];
  total: number;
  nextCursor: string | null;
}

/**
 * A page of a cache in the order of the sort column: starts right after the
 * cursor in the column's index and stops once the page is full, counting the
 * remaining matches for `total`.
 */
export function runQuery(
  cache: ResourceCache,
  query: CompiledQuery,
  allowed?: Set<string>,
): QueryResult {
  cache.touch();
  const index = cache.index(`${query.sortName}`, query.sortKey);
  const items: CacheEntry[] = [];
  let total = 0;
  let beforeCursor = 0;
  const step = query.descending ? -1 : 1;
  let start = query.descending ? index.size - 1 : 0;
  if (query.cursor) {
    start = query.descending
      ? index.lowerBound(query.cursor.v, query.cursor.k, true) - 1
      : index.lowerBound(query.cursor.v, query.cursor.k, false);
  }
  // Entries before the cursor still count towards the total.
  const scanFrom = query.descending ? index.size - 1 : 0;
  for (let i = scanFrom; query.descending ? i > start : i < start; i += step) {
    if (matchesQuery(index.at(i)!, query, allowed)) beforeCursor++;
  }
  let last: CacheEntry | undefined;
  for (let i = start; i >= 0 && i < index.size; i += step) {
    const entry = index.at(i)!;
    if (!matchesQuery(entry, query, allowed)) continue;
    total++;
    if (items.length < query.limit) {
      items.push(entry);
      last = entry;
    }
  }
  const more = total > items.length;
  return {
    items,
    total: total + beforeCursor,
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
