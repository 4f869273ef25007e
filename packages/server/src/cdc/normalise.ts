import { createHmac } from 'node:crypto';
import type { FieldManagerStamp } from '@kubeops/contracts';
import type { KubeObject } from '../kube/watch-loop.js';

/** Duplicates the spec (and for a Secret, its values) on every `kubectl apply`. */
const LAST_APPLIED = 'kubectl.kubernetes.io/last-applied-configuration';
/** Condition timestamps that move on every heartbeat although nothing changed. */
const HEARTBEAT_FIELDS = ['lastHeartbeatTime', 'lastProbeTime'];

/** What is stored of one version of an object, and what its managedFields say about who wrote it. */
export interface NormalisedObject {
  body: KubeObject;
  /** One entry per managedFields entry: who, how, and when they last wrote. */
  managers: ManagerEntry[];
  generation: number | null;
}

export type ManagerEntry = FieldManagerStamp;

/**
 * Secret values never reach the history: each is replaced by an HMAC bound
 * to the object and key, so a change (and a change back to an old value)
 * still shows, but nothing stored or published reveals a value.
 */
export class SecretHasher {
  constructor(private readonly key: Buffer) {}

  hash(cluster: string, namespace: string, name: string, key: string, value: Buffer): string {
    const mac = createHmac('sha256', this.key)
      .update(`${cluster}\0${namespace}\0${name}\0${key}\0`)
      .update(value)
      .digest('base64url');
    return `hmac-sha256:${mac}`;
  }
}

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

function managersOf(object: KubeObject): ManagerEntry[] {
  const fields = object.metadata.managedFields;
  if (!Array.isArray(fields)) return [];
  return fields.filter(isObject).map((f) => ({
    manager: String(f.manager ?? ''),
    operation: String(f.operation ?? ''),
    ...(typeof f.subresource === 'string' && f.subresource ? { subresource: f.subresource } : {}),
    time: typeof f.time === 'string' ? f.time : null,
  }));
}

/**
 * The managers that wrote this version: those whose entry is new or newly
 * stamped. An entry whose fields shrank was only taken over by the writer,
 * so the fields themselves are not compared. Times have one-second
 * resolution: when a manager wrote again within the same second, no stamp
 * moves, and the entries stamped latest are the best answer.
 */
export function changedManagers(
  previous: readonly ManagerEntry[] | undefined,
  current: readonly ManagerEntry[],
  /** Off for deletes: managedFields never say who deleted. */
  latestWhenUnchanged = true,
): FieldManagerStamp[] {
  const id = (m: ManagerEntry) => `${m.manager}\0${m.operation}\0${m.subresource ?? ''}\0${m.time}`;
  const before = new Set((previous ?? []).map(id));
  let changed = current.filter((m) => !before.has(id(m)));
  if (changed.length === 0 && previous && latestWhenUnchanged) {
    const latest = current.reduce<string | null>(
      (max, m) => (m.time !== null && (max === null || m.time > max) ? m.time : max),
      null,
    );
    changed = current.filter((m) => latest !== null && m.time === latest);
  }
  return changed.map((m) => ({ ...m }));
}

/**
 * The object as the history stores it: bookkeeping the API server rewrites
 * on every write (managedFields, resourceVersion, generation kept as a
 * column, heartbeat timestamps) left out, and Secret values hashed. The
 * input is not modified.
 */
export function normalise(
  cluster: string,
  object: KubeObject,
  /** Set for core Secrets: their values are replaced by keyed hashes. */
  secrets: SecretHasher | undefined,
  /** Set for ConfigMaps with redaction rules: the values of matching keys are hashed the same way. */
  redact?: ConfigMapRedaction,
): NormalisedObject {
  const managers = managersOf(object);
  const body = structuredClone({ ...object, metadata: { ...object.metadata } }) as KubeObject;
  const meta = body.metadata;
  const generation = typeof meta.generation === 'number' ? meta.generation : null;
  delete meta.managedFields;
  delete meta.resourceVersion;
  delete meta.generation;
  if (meta.annotations) {
    delete meta.annotations[LAST_APPLIED];
    if (Object.keys(meta.annotations).length === 0) delete meta.annotations;
  }
  const status = body.status;
  if (isObject(status) && Array.isArray(status.conditions)) {
    for (const condition of status.conditions) {
      if (isObject(condition)) for (const f of HEARTBEAT_FIELDS) delete condition[f];
    }
  }
  if (secrets) hashSecretValues(cluster, body, secrets);
  if (redact) redactConfigMap(cluster, body, redact);
  return { body, managers, generation };
}

/** ConfigMap keys whose values are kept only as keyed hashes (credentials put in a ConfigMap by mistake, certificates). */
export interface ConfigMapRedaction {
  hasher: SecretHasher;
  matches(key: string): boolean;
}

/** `*.pem`, `password*`: key names with `*` standing for anything. */
export function keyMatcher(patterns: string[]): ((key: string) => boolean) | undefined {
  if (patterns.length === 0) return undefined;
  const escaped = patterns.map((p) =>
    p
      .split('*')
      .map((part) => part.replace(/[.+?^${}()|[\]\\]/g, '\\$&'))
      .join('.*'),
  );
  const pattern = new RegExp(`^(?:${escaped.join('|')})$`);
  return (key) => pattern.test(key);
}

function redactConfigMap(cluster: string, body: KubeObject, redact: ConfigMapRedaction): void {
  const fields = [
    ['data', (v: string) => Buffer.from(v, 'utf8')],
    ['binaryData', (v: string) => Buffer.from(v, 'base64')],
  ] as const;
  for (const [field, decode] of fields) {
    const values = body[field];
    if (!isObject(values)) continue;
    for (const [key, value] of Object.entries(values)) {
      if (!redact.matches(key)) continue;
      values[key] = redact.hasher.hash(
        cluster,
        body.metadata.namespace ?? '',
        body.metadata.name,
        key,
        decode(String(value)),
      );
    }
  }
}

/** Whether a captured resource holds Secret values (decided by the resource: objects in a Table may omit their kind). */
export const holdsSecrets = (r: { group: string; resource: string }) =>
  r.group === '' && r.resource === 'secrets';

function hashSecretValues(cluster: string, body: KubeObject, secrets: SecretHasher) {
  const data: Record<string, string> = {};
  const sources = [
    // stringData only appears on writes, but a value must never slip through if it does.
    [body.data, (v: string) => Buffer.from(v, 'base64')],
    [body.stringData, (v: string) => Buffer.from(v, 'utf8')],
  ] as const;
  for (const [source, decode] of sources) {
    if (!isObject(source)) continue;
    for (const [key, value] of Object.entries(source)) {
      data[key] = secrets.hash(
        cluster,
        body.metadata.namespace ?? '',
        body.metadata.name,
        key,
        decode(String(value)),
      );
    }
  }
  delete body.stringData;
  if (body.data !== undefined || Object.keys(data).length) body.data = data;
}

/** Keys of a Secret's data whose (hashed) value is new, changed or gone. */
export function changedSecretKeys(before: KubeObject | undefined, after: KubeObject | undefined) {
  const a = (isObject(before?.data) ? before.data : {}) as Record<string, unknown>;
  const b = (isObject(after?.data) ? after.data : {}) as Record<string, unknown>;
  return [...new Set([...Object.keys(a), ...Object.keys(b)])].filter((k) => a[k] !== b[k]).sort();
}
