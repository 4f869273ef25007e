import { findSecrets, type Finding, type KubeObject } from '@kubeops/inspect';
import { findSensitive } from './sensitive-patterns.js';

/** Token prefixes by object kind; other kinds share "obj". */
const KIND_PREFIX: Record<string, string> = {
  Namespace: 'ns',
  Pod: 'pod',
  Deployment: 'deploy',
  ReplicaSet: 'rs',
  StatefulSet: 'sts',
  DaemonSet: 'ds',
  Job: 'job',
  CronJob: 'cronjob',
  Service: 'svc',
  Endpoints: 'svc',
  EndpointSlice: 'eps',
  Ingress: 'ing',
  IngressClass: 'ingclass',
  PersistentVolumeClaim: 'pvc',
  PersistentVolume: 'pv',
  StorageClass: 'sc',
  Node: 'node',
  ConfigMap: 'cm',
  Secret: 'secret',
  ServiceAccount: 'sa',
  HorizontalPodAutoscaler: 'hpa',
  PodDisruptionBudget: 'pdb',
  NetworkPolicy: 'netpol',
  Role: 'role',
  ClusterRole: 'clusterrole',
  RoleBinding: 'rolebinding',
  ClusterRoleBinding: 'clusterrolebinding',
  ValidatingWebhookConfiguration: 'webhook',
  MutatingWebhookConfiguration: 'webhook',
};
/** Tokens standing for a credential; never restored (see Anonymizer.text). */
const CREDENTIAL_PREFIX = 'credential';
const OTHER_PREFIXES = [
  'obj',
  'container',
  'name',
  'label',
  'image',
  'host',
  'url',
  'email',
  'ip',
  'user',
  CREDENTIAL_PREFIX,
];
const PREFIXES = [...new Set([...Object.values(KIND_PREFIX), ...OTHER_PREFIXES])];

/**
 * A token as it appears in text. The same boundaries apply when values are
 * replaced, so every token in anonymized text is one this run issued (text
 * that already looked like a token was itself replaced) and restoring is exact.
 */
// Underscore separates too: kubelet writes pods as <pod>_<namespace>.
const TOKEN_PATTERN = new RegExp(
  `(?<![A-Za-z0-9])(?:${PREFIXES.join('|')})-\\d+(?![A-Za-z0-9])`,
  'g',
);
const WORD_CHAR = /[A-Za-z0-9]/;

export const DEFAULT_KEPT_VALUES = ['default', 'kube-system', 'kube-public', 'kube-node-lease'];

/**
 * Longest text anonymized at once; the rest is cut (and says so) before any
 * pattern runs. Far above what a prompt holds, it bounds the work a single
 * log line or event message can cause.
 */
export const MAX_TEXT_LENGTH = 64 * 1024;

export function clipText(input: string): string {
  if (input.length <= MAX_TEXT_LENGTH) return input;
  return `${input.slice(0, MAX_TEXT_LENGTH)} […${input.length - MAX_TEXT_LENGTH} more characters cut]`;
}

export const prefixOfKind = (kind: string | undefined) => (kind && KIND_PREFIX[kind]) || 'obj';

export interface AnonymizerOptions {
  /** Values that identify nothing and stay readable (the well-known namespaces by default). */
  keep?: string[];
}

/**
 * Replaces everything that identifies a site — object names, namespaces,
 * label values, images, IPs, hosts, URLs, e-mail addresses — with stable
 * tokens such as `ns-1`, `pod-3` or `ip-2`, and restores them in answers.
 * One instance per run: a value gets the same token wherever it appears.
 *
 * Values come from two sources: structure (`registerFinding`,
 * `registerObject` know which fields hold names) and free-text patterns
 * found when text passes through `text()`.
 */
export class Anonymizer {
  readonly #forward = new Map<string, string>();
  readonly #backward = new Map<string, string>();
  readonly #counters = new Map<string, number>();
  readonly #keep: Set<string>;
  /** Registered value lengths, longest first: the only lengths #replaceKnown tries. */
  #lengths: number[] = [];
  /** The first two characters of every registered value (each has at least two). */
  readonly #heads = new Set<string>();
  /** Credential → token; kept apart from #forward so restore() never gives one back. */
  readonly #credentials = new Map<string, string>();
  readonly #credentialTokens = new Set<string>();

  constructor(options: AnonymizerOptions = {}) {
    this.#keep = new Set(options.keep ?? DEFAULT_KEPT_VALUES);
  }

  /** The token for `value`, issuing one with `prefix` on first sight; undefined for values kept as they are. */
  register(value: string, prefix: string): string | undefined {
    if (this.#credentialTokens.has(value) || !this.#worthHiding(value)) return undefined;
    const known = this.#forward.get(value);
    if (known) return known;
    let n = this.#counters.get(prefix) ?? 0;
    let token: string;
    do token = `${prefix}-${++n}`;
    while (this.#backward.has(token) || this.#forward.has(token));
    this.#counters.set(prefix, n);
    this.#forward.set(value, token);
    this.#backward.set(token, value);
    this.#heads.add(value.slice(0, 2));
    if (!this.#lengths.includes(value.length))
      this.#lengths = [...this.#lengths, value.length].sort((a, b) => b - a);
    return token;
  }

  /** The token for a credential: issued like any other, but only ever one way. */
  #credentialToken(value: string): string {
    const known = this.#credentials.get(value);
    if (known) return known;
    let n = this.#counters.get(CREDENTIAL_PREFIX) ?? 0;
    let token: string;
    do token = `${CREDENTIAL_PREFIX}-${++n}`;
    while (this.#backward.has(token) || this.#forward.has(token));
    this.#counters.set(CREDENTIAL_PREFIX, n);
    this.#credentials.set(value, token);
    this.#credentialTokens.add(token);
    return token;
  }

  #worthHiding(value: string): boolean {
    if (value.length < 2 || this.#keep.has(value)) return false;
    if (/\s/.test(value)) return false;
    // Numbers and booleans say nothing about a site and appear everywhere.
    if (/^[-+]?\d+(\.\d+)?$/.test(value) || /^(true|false|yes|no|null|none)$/i.test(value))
      return false;
    // Versions ("v1", "v2beta1", "1.25.3") are API and release names, not site names;
    // four numbers are an IPv4 address, which is.
    if (
      /^v\d+(?:(?:alpha|beta)\d*)?$/i.test(value) ||
      /^v?\d+\.\d+(?:\.\d+)?(?:[-+][\w.]+)?$/.test(value)
    )
      return false;
    return /[A-Za-z0-9]/.test(value);
  }

  tokenOf(value: string): string | undefined {
    return this.#forward.get(value);
  }

  /** Every value this run hid, with its token. */
  entries(): Array<[value: string, token: string]> {
    return [...this.#forward.entries()];
  }

  registerFinding(finding: Finding): void {
    this.registerReference(finding.resource);
    if (finding.remediation.patch?.target) this.registerReference(finding.remediation.patch.target);
    if (finding.remediation.create) this.registerValue(finding.remediation.create);
    if (finding.remediation.patch) this.registerValue(finding.remediation.patch.body);
    for (const evidence of finding.evidence) {
      if (evidence.path) this.#registerPathNames(evidence.path);
      if (evidence.value !== undefined)
        this.registerValue(evidence.value, lastSegment(evidence.path));
    }
  }

  registerReference(ref: { kind?: string; name?: string; namespace?: string }): void {
    if (ref.namespace) this.register(ref.namespace, 'ns');
    if (ref.name) this.register(ref.name, prefixOfKind(ref.kind));
  }

  registerObject(object: KubeObject): void {
    this.registerValue(object);
  }

  /**
   * Walks a structured value and registers the strings that its field names
   * say are names, namespaces, labels, images, IPs or hosts. `key` is the
   * field the value sits in, when the caller knows it.
   */
  registerValue(value: unknown, key?: string, parent?: Record<string, unknown>): void {
    if (typeof value === 'string') {
      const prefix = prefixForField(key, parent);
      if (prefix) this.register(value, prefix);
      return;
    }
    if (Array.isArray(value)) {
      for (const item of value) this.registerValue(item, key, parent);
      return;
    }
    if (!value || typeof value !== 'object') return;
    const record = value as Record<string, unknown>;
    for (const [k, v] of Object.entries(record)) {
      if (LABEL_MAPS.has(k) && v && typeof v === 'object' && !Array.isArray(v)) {
        for (const labelValue of Object.values(v as Record<string, unknown>))
          if (typeof labelValue === 'string') this.register(labelValue, 'label');
        continue;
      }
      if (k === 'name' && typeof v === 'string' && key && REFERENCE_PARENTS[key]) {
        this.register(v, REFERENCE_PARENTS[key]);
        continue;
      }
      if (k === 'metadata' && v && typeof v === 'object') {
        const meta = v as Record<string, unknown>;
        if (typeof meta.name === 'string')
          this.register(meta.name, prefixOfKind(record.kind as string));
      }
      this.registerValue(v, k, record);
    }
  }

  #registerPathNames(path: string): void {
    // Paths name list items by their name: spec.containers[app].image.
    for (const m of path.matchAll(/(\w+)\[([^\]]+)\]/g)) {
      const name = m[2]!;
      // Only what could be an object or container name; label keys and indexes are not.
      if (!/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/.test(name) || /^\d+$/.test(name)) continue;
      this.register(name, /containers$|containerStatuses$/i.test(m[1]!) ? 'container' : 'name');
    }
  }

  /**
   * Anonymizes free text: clips it, replaces credentials (the inspection
   * engine's secret detectors: keys, tokens, cookies, passwords in URLs,
   * random-looking strings) with `credential-N` tokens that restore() leaves
   * as they are, registers what the site patterns reveal in the rest, then
   * replaces every known value.
   */
  text(input: string): string {
    const clipped = clipText(input);
    // Token-like words of the input first, so no credential token issued below can equal one.
    for (const match of clipped.matchAll(TOKEN_PATTERN)) this.register(match[0], 'name');
    let redacted = '';
    let copiedTo = 0;
    for (const secret of findSecrets(clipped)) {
      const value = clipped.slice(secret.start, secret.end);
      redacted += clipped.slice(copiedTo, secret.start) + this.#credentialToken(value);
      copiedTo = secret.end;
    }
    redacted += clipped.slice(copiedTo);
    for (const { kind, value } of findSensitive(redacted)) this.register(value, kind);
    return this.#replaceKnown(redacted);
  }

  /** Anonymizes every string (and object key) in a JSON-like value. */
  value<T>(input: T): T {
    return mapStrings(input, (s) => this.text(s)) as T;
  }

  /** Puts the original values back; text the model invented is left alone. */
  restore(input: string): string {
    return input.replace(TOKEN_PATTERN, (token) => this.#backward.get(token) ?? token);
  }

  restoreValue<T>(input: T): T {
    return mapStrings(input, (s) => this.restore(s)) as T;
  }

  /**
   * One left-to-right pass, longest value first at each position, so a
   * replacement is never replaced again and "web" inside "web-7d9f" is
   * caught while "web" inside "webhook" is not.
   */
  #replaceKnown(input: string): string {
    if (this.#forward.size === 0) return input;
    let out = '';
    let copiedTo = 0;
    for (let start = 0; start < input.length; start++) {
      if (start > 0 && WORD_CHAR.test(input[start - 1]!)) continue;
      if (!this.#heads.has(input.slice(start, start + 2))) continue;
      for (const length of this.#lengths) {
        const end = start + length;
        if (end > input.length) continue;
        if (end < input.length && WORD_CHAR.test(input[end]!)) continue;
        const token = this.#forward.get(input.slice(start, end));
        if (token === undefined) continue;
        out += input.slice(copiedTo, start) + token;
        copiedTo = end;
        start = end - 1;
        break;
      }
    }
    return out + input.slice(copiedTo);
  }
}

const LABEL_MAPS = new Set(['labels', 'matchLabels', 'nodeSelector', 'selector']);
const REFERENCE_PARENTS: Record<string, string> = {
  configMap: 'cm',
  configMapRef: 'cm',
  configMapKeyRef: 'cm',
  secret: 'secret',
  secretRef: 'secret',
  secretKeyRef: 'secret',
  service: 'svc',
  persistentVolumeClaim: 'pvc',
  containers: 'container',
  initContainers: 'container',
  ephemeralContainers: 'container',
};
const FIELD_PREFIX: Record<string, string> = {
  namespace: 'ns',
  image: 'image',
  nodeName: 'node',
  claimName: 'pvc',
  secretName: 'secret',
  serviceName: 'svc',
  serviceAccountName: 'sa',
  serviceAccount: 'sa',
  volumeName: 'pv',
  storageClassName: 'sc',
  ingressClassName: 'ingclass',
  priorityClassName: 'obj',
  host: 'host',
  hostname: 'host',
  externalName: 'host',
  username: 'user',
  user: 'user',
  email: 'email',
};

function prefixForField(
  key: string | undefined,
  parent: Record<string, unknown> | undefined,
): string | undefined {
  if (!key) return undefined;
  if (key === 'name' && parent) {
    if (typeof parent.kind === 'string') return prefixOfKind(parent.kind);
    return undefined;
  }
  if (FIELD_PREFIX[key]) return FIELD_PREFIX[key];
  if (/(^ip$|IP$|IPs$)/.test(key)) return 'ip';
  if (key === 'hosts') return 'host';
  return undefined;
}

function lastSegment(path: string | undefined): string | undefined {
  const m = path ? /([A-Za-z_][\w]*)(?:\[[^\]]*\])*$/.exec(path) : null;
  return m?.[1];
}

function mapStrings(value: unknown, fn: (s: string) => string): unknown {
  if (typeof value === 'string') return fn(value);
  if (Array.isArray(value)) return value.map((item) => mapStrings(item, fn));
  if (value && typeof value === 'object')
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [fn(k), mapStrings(v, fn)]));
  return value;
}
