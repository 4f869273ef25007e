import type { ResourceRef } from '../finding.js';
import type { KubeObject } from '../snapshot.js';

/** Objects come from JSON; these narrowings keep rule code free of casts. */
export type Json = Record<string, unknown>;

export function isRecord(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function field(value: unknown, ...path: string[]): unknown {
  return walk(value, path);
}

// The typed readers below run millions of times in a large cluster; they
// walk their own rest array instead of spreading it into field() again.
function walk(value: unknown, path: string[]): unknown {
  let current = value;
  for (let i = 0; i < path.length; i++) {
    if (!isRecord(current)) return undefined;
    current = current[path[i]!];
  }
  return current;
}

export function record(value: unknown, ...path: string[]): Json | undefined {
  const found = walk(value, path);
  return isRecord(found) ? found : undefined;
}

const NONE: Json[] = [];

/** The records of a list field; the empty answer is shared, so callers must not mutate it. */
export function list(value: unknown, ...path: string[]): Json[] {
  const found = walk(value, path);
  if (!Array.isArray(found) || found.length === 0) return NONE;
  return found.every(isRecord) ? (found as Json[]) : found.filter(isRecord);
}

export function strings(value: unknown, ...path: string[]): string[] {
  const found = walk(value, path);
  return Array.isArray(found) ? found.filter((v): v is string => typeof v === 'string') : [];
}

export function str(value: unknown, ...path: string[]): string | undefined {
  const found = walk(value, path);
  return typeof found === 'string' ? found : undefined;
}

export function num(value: unknown, ...path: string[]): number | undefined {
  const found = walk(value, path);
  return typeof found === 'number' && Number.isFinite(found) ? found : undefined;
}

export function bool(value: unknown, ...path: string[]): boolean | undefined {
  const found = walk(value, path);
  return typeof found === 'boolean' ? found : undefined;
}

/** `apps/v1` → `apps`, `v1` → `` (the core group). */
export function groupOf(apiVersion: string): string {
  const slash = apiVersion.indexOf('/');
  return slash < 0 ? '' : apiVersion.slice(0, slash);
}

export function nameOf(object: KubeObject): string {
  return object.metadata.name ?? object.metadata.generateName ?? '';
}

export function namespaceOf(object: KubeObject): string | undefined {
  return object.metadata.namespace;
}

export function labelsOf(object: KubeObject): Record<string, string> {
  return object.metadata.labels ?? {};
}

export function annotationsOf(object: KubeObject): Record<string, string> {
  return object.metadata.annotations ?? {};
}

const refs = new WeakMap<KubeObject, ResourceRef>();

/**
 * The object's reference, one per object: every finding on it shares it, so
 * callers must treat it as read-only.
 */
export function refOf(object: KubeObject): ResourceRef {
  let ref = refs.get(object);
  if (!ref) {
    ref = { apiVersion: object.apiVersion, kind: object.kind, name: nameOf(object) };
    if (object.metadata.namespace !== undefined) ref.namespace = object.metadata.namespace;
    if (object.metadata.uid !== undefined) ref.uid = object.metadata.uid;
    refs.set(object, ref);
  }
  return ref;
}

/** Human form used in messages: `Deployment shop/web`. */
export function describe(ref: { kind: string; namespace?: string; name: string }): string {
  return ref.namespace ? `${ref.kind} ${ref.namespace}/${ref.name}` : `${ref.kind} ${ref.name}`;
}

/** Whether the object came with a status block (live objects do; manifests do not). */
export function hasStatus(object: KubeObject): boolean {
  const status = object.status;
  if (!isRecord(status)) return false;
  for (const _ in status) return true;
  return false;
}

export interface Condition {
  type: string;
  status: string;
  reason?: string;
  message?: string;
  lastTransitionTime?: string;
}

const conditionCache = new WeakMap<object, Condition[]>();

/** status.conditions, parsed once per object: most rules look at conditions. */
export function conditionsOf(object: unknown): Condition[] {
  if (!isRecord(object)) return [];
  let cached = conditionCache.get(object);
  if (!cached) {
    cached = readConditions(object);
    conditionCache.set(object, cached);
  }
  return cached;
}

const optionalText = (value: unknown) => value === undefined || typeof value === 'string';

/** A condition as the API server sends it can serve as is; only odd ones are rebuilt. */
function isPlainCondition(c: Json): boolean {
  return (
    typeof c.type === 'string' &&
    typeof c.status === 'string' &&
    optionalText(c.reason) &&
    optionalText(c.message) &&
    optionalText(c.lastTransitionTime)
  );
}

function readConditions(object: Json): Condition[] {
  const raw = list(object, 'status', 'conditions');
  if (raw.every(isPlainCondition)) return raw as unknown as Condition[];
  return raw.flatMap((c) => {
    const type = str(c, 'type');
    const status = str(c, 'status');
    if (type === undefined || status === undefined) return [];
    const condition: Condition = { type, status };
    const reason = str(c, 'reason');
    const message = str(c, 'message');
    const since = str(c, 'lastTransitionTime');
    if (reason !== undefined) condition.reason = reason;
    if (message !== undefined) condition.message = message;
    if (since !== undefined) condition.lastTransitionTime = since;
    return [condition];
  });
}

export function condition(object: unknown, type: string): Condition | undefined {
  return conditionsOf(object).find((c) => c.type === type);
}

/** Parses a Kubernetes quantity ("250m", "1.5Gi", "2e3") to a plain number (cores, bytes). */
export function parseQuantity(value: unknown): number | undefined {
  if (typeof value === 'number') return value;
  if (typeof value !== 'string') return undefined;
  const match = /^([+-]?[0-9.]+(?:[eE][+-]?[0-9]+)?)(Ki|Mi|Gi|Ti|Pi|Ei|n|u|m|k|M|G|T|P|E)?$/.exec(
    value.trim(),
  );
  if (!match) return undefined;
  const base = Number(match[1]);
  if (!Number.isFinite(base)) return undefined;
  const suffix = match[2];
  return suffix === undefined ? base : base * (QUANTITY_SUFFIX[suffix] ?? 1);
}

const QUANTITY_SUFFIX: Record<string, number> = {
  n: 1e-9,
  u: 1e-6,
  m: 1e-3,
  k: 1e3,
  M: 1e6,
  G: 1e9,
  T: 1e12,
  P: 1e15,
  E: 1e18,
  Ki: 2 ** 10,
  Mi: 2 ** 20,
  Gi: 2 ** 30,
  Ti: 2 ** 40,
  Pi: 2 ** 50,
  Ei: 2 ** 60,
};

export function timeOf(value: string | number | undefined): number | undefined {
  if (value === undefined) return undefined;
  const ms = typeof value === 'number' ? value : Date.parse(value);
  return Number.isFinite(ms) ? ms : undefined;
}
