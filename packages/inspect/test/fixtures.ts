import type { KubeObject, MetricName, MetricSeries, Snapshot } from '../src/index.js';
import { runInspection, type InspectionOptions } from '../src/index.js';

/** Small builders for the objects rules look at; each returns plain API-server-shaped JSON. */

export const NOW = '2026-01-15T12:00:00Z';
export const minutesAgo = (m: number) => new Date(Date.parse(NOW) - m * 60_000).toISOString();

type Json = Record<string, unknown>;

let uidCounter = 0;
const uid = () => `uid-${++uidCounter}`;

export function obj(
  apiVersion: string,
  kind: string,
  name: string,
  rest: Json = {},
  meta: Json = {},
): KubeObject {
  return {
    apiVersion,
    kind,
    metadata: { name, uid: uid(), ...meta },
    ...rest,
  } as KubeObject;
}

export interface ContainerOptions {
  name?: string;
  image?: string;
  probes?: boolean;
  resources?: Json | null;
  securityContext?: Json;
  env?: Json[];
  ports?: Json[];
  imagePullPolicy?: string;
}

/** A container that passes every configuration and security rule unless told otherwise. */
export function container(options: ContainerOptions = {}): Json {
  // Liveness and readiness check different things (pod-probes-identical).
  const liveness = { httpGet: { path: '/healthz', port: 8080 } };
  const readiness = { httpGet: { path: '/readyz', port: 8080 } };
  return {
    name: options.name ?? 'app',
    image: options.image ?? 'registry.example.com/app:1.2.3@sha256:' + 'a'.repeat(64),
    ...(options.imagePullPolicy ? { imagePullPolicy: options.imagePullPolicy } : {}),
    ...(options.probes === false ? {} : { livenessProbe: liveness, readinessProbe: readiness }),
    ...(options.resources === null
      ? {}
      : {
          resources: options.resources ?? {
            requests: { cpu: '100m', memory: '128Mi' },
            limits: { cpu: '500m', memory: '256Mi' },
          },
        }),
    securityContext: options.securityContext ?? {
      allowPrivilegeEscalation: false,
      readOnlyRootFilesystem: true,
      runAsNonRoot: true,
      capabilities: { drop: ['ALL'] },
    },
    ...(options.env ? { env: options.env } : {}),
    ...(options.ports ? { ports: options.ports } : {}),
  };
}

export interface PodSpecOptions {
  containers?: Json[];
  spec?: Json;
}

export function podSpec(options: PodSpecOptions = {}): Json {
  return {
    serviceAccountName: 'app',
    automountServiceAccountToken: false,
    securityContext: { runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } },
    containers: options.containers ?? [container()],
    ...options.spec,
  };
}

export const recommendedLabels = (name: string) => ({
  app: name,
  'app.kubernetes.io/name': name,
  'app.kubernetes.io/instance': name,
  'app.kubernetes.io/version': '1.2.3',
  'app.kubernetes.io/component': 'server',
  'app.kubernetes.io/part-of': 'shop',
  'app.kubernetes.io/managed-by': 'helm',
});

export interface PodOptions extends PodSpecOptions {
  namespace?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  status?: Json;
  owner?: KubeObject;
}

export function pod(name: string, options: PodOptions = {}): KubeObject {
  const meta: Json = {
    namespace: options.namespace ?? 'shop',
    labels: options.labels ?? recommendedLabels(name),
  };
  if (options.annotations) meta.annotations = options.annotations;
  if (options.owner) {
    meta.ownerReferences = [
      {
        apiVersion: options.owner.apiVersion,
        kind: options.owner.kind,
        name: options.owner.metadata.name,
        uid: options.owner.metadata.uid,
        controller: true,
      },
    ];
  }
  return obj(
    'v1',
    'Pod',
    name,
    { spec: podSpec(options), ...(options.status ? { status: options.status } : {}) },
    meta,
  );
}

/** Status of a healthy running pod with the given container names. */
export function runningStatus(names: string[] = ['app']): Json {
  return {
    phase: 'Running',
    conditions: [
      { type: 'PodScheduled', status: 'True' },
      { type: 'Ready', status: 'True', lastTransitionTime: minutesAgo(60) },
    ],
    containerStatuses: names.map((n) => ({
      name: n,
      ready: true,
      restartCount: 0,
      image: 'app',
      state: { running: { startedAt: minutesAgo(60) } },
    })),
  };
}

export interface WorkloadOptions extends PodSpecOptions {
  namespace?: string;
  replicas?: number;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  templateLabels?: Record<string, string>;
  status?: Json;
  spec?: Json;
  workloadSpec?: Json;
}

export function workload(
  kind: 'Deployment' | 'StatefulSet' | 'DaemonSet' | 'ReplicaSet',
  name: string,
  options: WorkloadOptions = {},
): KubeObject {
  const templateLabels = options.templateLabels ?? recommendedLabels(name);
  const spec: Json = {
    selector: { matchLabels: { app: templateLabels.app ?? name } },
    template: { metadata: { labels: templateLabels }, spec: podSpec(options) },
    ...options.workloadSpec,
  };
  if (kind !== 'DaemonSet') spec.replicas = options.replicas ?? 3;
  const meta: Json = {
    namespace: options.namespace ?? 'shop',
    labels: options.labels ?? recommendedLabels(name),
  };
  if (options.annotations) meta.annotations = options.annotations;
  return obj(
    'apps/v1',
    kind,
    name,
    { spec, ...(options.status ? { status: options.status } : {}) },
    meta,
  );
}

export const deployment = (name: string, options: WorkloadOptions = {}) =>
  workload('Deployment', name, options);

export function service(
  name: string,
  selector: Record<string, string> | undefined,
  namespace = 'shop',
  extra: Json = {},
): KubeObject {
  return obj(
    'v1',
    'Service',
    name,
    {
      spec: {
        ...(selector ? { selector } : {}),
        ports: [{ name: 'http', port: 80, targetPort: 8080 }],
        ...extra,
      },
    },
    { namespace, labels: recommendedLabels(name) },
  );
}

export function event(
  involved: KubeObject,
  reason: string,
  message: string,
  type = 'Warning',
): KubeObject {
  return obj(
    'v1',
    'Event',
    `${involved.metadata.name}.${reason}`,
    {
      involvedObject: {
        kind: involved.kind,
        name: involved.metadata.name,
        namespace: involved.metadata.namespace,
        uid: involved.metadata.uid,
      },
      reason,
      message,
      type,
      count: 3,
      lastTimestamp: minutesAgo(1),
    },
    { namespace: involved.metadata.namespace },
  );
}

export function snapshot(objects: KubeObject[], extra: Partial<Snapshot> = {}): Snapshot {
  return { objects, now: NOW, ...extra };
}

/** Runs one rule and returns its findings. */
export function findings(ruleId: string, snap: Snapshot, options: InspectionOptions = {}) {
  const result = runInspection(snap, { rules: [ruleId], ...options });
  if (result.failures.length > 0) throw new Error(result.failures.map((f) => f.message).join('; '));
  return result.findings;
}

/** A metric series for `object`, one sample every `stepMinutes` ending at NOW. */
export function series(
  metric: MetricName,
  object: KubeObject,
  values: number[],
  options: { container?: string; stepMinutes?: number } = {},
): MetricSeries {
  const step = options.stepMinutes ?? 5;
  return {
    metric,
    namespace: object.metadata.namespace ?? '',
    kind: object.kind,
    name: object.metadata.name ?? '',
    container: options.container ?? 'app',
    points: values.map((v, i) => ({ t: minutesAgo((values.length - 1 - i) * step), v })),
  };
}
