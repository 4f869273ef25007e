import { apiPath } from '../../kube/api-path.js';

/**
 * The kinds the analysis engine reads, and where the API serves them. The
 * collector lists exactly these; anything else in a cluster is left alone so
 * a snapshot of a large cluster stays small.
 */
export interface CollectedKind {
  kind: string;
  group: string;
  version: string;
  /** Plural resource name in the API path. */
  resource: string;
  namespaced: boolean;
  /** Only metadata is fetched (Secrets: the engine checks existence, never values). */
  metadataOnly?: boolean;
  /** Served by an add-on (cert-manager); its absence is normal. */
  optional?: boolean;
}

const k = (
  kind: string,
  group: string,
  version: string,
  resource: string,
  namespaced: boolean,
  extra: Partial<CollectedKind> = {},
): CollectedKind => ({ kind, group, version, resource, namespaced, ...extra });

export const COLLECTED_KINDS: readonly CollectedKind[] = [
  k('Namespace', '', 'v1', 'namespaces', false),
  k('Node', '', 'v1', 'nodes', false),
  k('Pod', '', 'v1', 'pods', true),
  k('Service', '', 'v1', 'services', true),
  k('Endpoints', '', 'v1', 'endpoints', true),
  k('ServiceAccount', '', 'v1', 'serviceaccounts', true),
  k('ConfigMap', '', 'v1', 'configmaps', true),
  k('Secret', '', 'v1', 'secrets', true, { metadataOnly: true }),
  k('PersistentVolumeClaim', '', 'v1', 'persistentvolumeclaims', true),
  k('ReplicationController', '', 'v1', 'replicationcontrollers', true),
  k('Deployment', 'apps', 'v1', 'deployments', true),
  k('ReplicaSet', 'apps', 'v1', 'replicasets', true),
  k('StatefulSet', 'apps', 'v1', 'statefulsets', true),
  k('DaemonSet', 'apps', 'v1', 'daemonsets', true),
  k('Job', 'batch', 'v1', 'jobs', true),
  k('CronJob', 'batch', 'v1', 'cronjobs', true),
  k('Ingress', 'networking.k8s.io', 'v1', 'ingresses', true),
  k('IngressClass', 'networking.k8s.io', 'v1', 'ingressclasses', false),
  k('NetworkPolicy', 'networking.k8s.io', 'v1', 'networkpolicies', true),
  k('EndpointSlice', 'discovery.k8s.io', 'v1', 'endpointslices', true),
  k('PodDisruptionBudget', 'policy', 'v1', 'poddisruptionbudgets', true),
  k('HorizontalPodAutoscaler', 'autoscaling', 'v2', 'horizontalpodautoscalers', true),
  k('StorageClass', 'storage.k8s.io', 'v1', 'storageclasses', false),
  k('Role', 'rbac.authorization.k8s.io', 'v1', 'roles', true),
  k('RoleBinding', 'rbac.authorization.k8s.io', 'v1', 'rolebindings', true),
  k('ClusterRole', 'rbac.authorization.k8s.io', 'v1', 'clusterroles', false),
  k('ClusterRoleBinding', 'rbac.authorization.k8s.io', 'v1', 'clusterrolebindings', false),
  k(
    'ValidatingWebhookConfiguration',
    'admissionregistration.k8s.io',
    'v1',
    'validatingwebhookconfigurations',
    false,
  ),
  k(
    'MutatingWebhookConfiguration',
    'admissionregistration.k8s.io',
    'v1',
    'mutatingwebhookconfigurations',
    false,
  ),
  k('Certificate', 'cert-manager.io', 'v1', 'certificates', true, { optional: true }),
];

export const EVENT_KIND = k('Event', '', 'v1', 'events', true);

const byKind = new Map(COLLECTED_KINDS.map((c) => [c.kind, c]));

export function collectedKind(kind: string): CollectedKind | undefined {
  return byKind.get(kind);
}

/** Kinds that live outside namespaces, for manifests that name them without one. */
export function isClusterScoped(kind: string): boolean {
  const known = byKind.get(kind);
  if (known) return !known.namespaced;
  return CLUSTER_SCOPED_EXTRA.has(kind);
}

const CLUSTER_SCOPED_EXTRA = new Set([
  'PersistentVolume',
  'CustomResourceDefinition',
  'PriorityClass',
  'APIService',
  'CSIDriver',
  'RuntimeClass',
  'ClusterIssuer',
  'ValidatingAdmissionPolicy',
  'ValidatingAdmissionPolicyBinding',
]);

export function apiVersionOf(kind: CollectedKind): string {
  return kind.group ? `${kind.group}/${kind.version}` : kind.version;
}

export function listPath(kind: CollectedKind, namespace?: string): string {
  const base = kind.group ? ['apis', kind.group, kind.version] : ['api', kind.version];
  return kind.namespaced && namespace
    ? apiPath(...base, 'namespaces', namespace, kind.resource)
    : apiPath(...base, kind.resource);
}
