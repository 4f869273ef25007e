import type { ResourceRef } from '../finding.js';
import type { KubeObject } from '../snapshot.js';

/** Objects come from JSON; these narrowings keep rule code free of casts. */
export type Json = Record<string, unknown>;

export function isRecord(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function field(value: unknown, ...path: string[]): unknown {
  let current = value;
  for (const key of path) {
    if (!isRecord(current)) return undefined;
    current = current[key];
  }
  return current;
}

export function record(value: unknown, ...path: string[]): Json | undefined {
  const found = field(value, ...path);
  return isRecord(found) ? found : undefined;
}

export function list(value: unknown, ...path: string[]): Json[] {
  const found = field(value, ...path);
  return Array.isArray(found) ? found.filter(isRecord) : [];
}

export function strings(value: unknown, ...path: string[]): string[] {
  const found = field(value, ...path);
  return Array.isArray(found) ? found.filter((v): v is string => typeof v === 'string') : [];
}

export function str(value: unknown, ...path: string[]): string | undefined {
  const found = field(value, ...path);
  return typeof found === 'string' ? found : undefined;
}

export function num(value: unknown, ...path: string[]): number | undefined {
  const found = field(value, ...path);
  return typeof found === 'number' && Number.isFinite(found) ? found : undefined;
}

export function bool(value: unknown, ...path: string[]): boolean | undefined {
  const found = field(value, ...path);
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

export function refOf(object: KubeObject): ResourceRef {
  const ref: ResourceRef = {
    apiVersion: object.apiVersion,
    kind: object.kind,
    name: nameOf(object),
  };
  if (object.metadata.namespace !== undefined) ref.namespace = object.metadata.namespace;
  if (object.metadata.uid !== undefined) ref.uid = object.metadata.uid;
  return ref;
}

/** Human form used in messages: `Deployment shop/web`. */
export function describe(ref: { kind: string; namespace?: string; name: string }): string {
  return ref.namespace ? `${ref.kind} ${ref.namespace}/${ref.name}` : `${ref.kind} ${ref.name}`;
}

/** Whether the object came with a status block (live objects do; manifests do not). */
export function hasStatus(object: KubeObject): boolean {
  const status = object.status;
  return isRecord(status) && Object.keys(status).length > 0;
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

function readConditions(object: Json): Condition[] {
  return list(object, 'status', 'conditions').flatMap((c) => {
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
