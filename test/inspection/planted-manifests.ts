import type { KubeObject, Profile } from '@kubeops/inspect';

/**
 * Planted faults in manifests: each case takes the clean golden workload
 * (manifests/golden/shop.yaml, which produces no finding) and breaks one
 * thing, the way a real chart gets it wrong. `expect` lists every finding the
 * fault must produce; anything else the engine reports counts against
 * precision.
 */
export interface ExpectedFinding {
  rule: string;
  kind: string;
  name: string;
}

export interface PlantedCase {
  id: string;
  mutate(objects: KubeObject[]): void;
  expect: ExpectedFinding[];
  /** The rule profile that reports the fault (house-style checks are `strict` only). */
  profile?: Profile;
}

type Obj = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

export function find(objects: KubeObject[], kind: string, name: string): Obj {
  const found = objects.find((o) => o.kind === kind && o.metadata.name === name);
  if (!found) throw new Error(`golden manifests have no ${kind} ${name}`);
  return found as Obj;
}

const deployment = (objects: KubeObject[]) => find(objects, 'Deployment', 'web');
const pod = (objects: KubeObject[]) => deployment(objects).spec.template.spec as Obj;
const container = (objects: KubeObject[]) => pod(objects).containers[0] as Obj;
const remove = (objects: KubeObject[], kind: string, name: string) => {
  const target = find(objects, kind, name);
  objects.splice(objects.indexOf(target as KubeObject), 1);
};
const add = (objects: KubeObject[], object: Obj) => objects.push(object as KubeObject);
const LABELS = {
  'app.kubernetes.io/name': 'web',
  'app.kubernetes.io/instance': 'shop-web',
  'app.kubernetes.io/version': '1.4.2',
  'app.kubernetes.io/component': 'frontend',
  'app.kubernetes.io/part-of': 'shop',
  'app.kubernetes.io/managed-by': 'kubeops-tests',
};
const meta = (name: string, namespace?: string) => ({
  name,
  ...(namespace ? { namespace } : {}),
  labels: { ...LABELS },
});
const on = (rule: string, kind: string, name: string): ExpectedFinding => ({ rule, kind, name });
const web = (rule: string) => on(rule, 'Deployment', 'web');

export const PLANTED_MANIFEST_CASES: PlantedCase[] = [
  {
    id: 'privileged container',
    // Valid only with privilege escalation allowed, as the API server insists.
    mutate: (o) => {
      container(o).securityContext.privileged = true;
      container(o).securityContext.allowPrivilegeEscalation = true;
    },
    expect: [web('container-privileged'), web('container-privilege-escalation')],
  },
  {
    id: 'privilege escalation allowed',
    mutate: (o) => (container(o).securityContext.allowPrivilegeEscalation = true),
    expect: [web('container-privilege-escalation')],
  },
  {
    id: 'runs as root',
    mutate: (o) => {
      delete pod(o).securityContext.runAsNonRoot;
      delete container(o).securityContext.runAsNonRoot;
      pod(o).securityContext.runAsUser = 0;
    },
    expect: [web('container-runs-as-root')],
  },
  {
    id: 'added capability',
    mutate: (o) =>
      (container(o).securityContext.capabilities = { drop: ['ALL'], add: ['SYS_ADMIN'] }),
    expect: [web('container-capabilities')],
  },
  {
    id: 'host network',
    mutate: (o) => (pod(o).hostNetwork = true),
    expect: [web('pod-host-namespaces')],
  },
  {
    id: 'host port',
    mutate: (o) => (container(o).ports[0].hostPort = 8080),
    expect: [web('container-host-port')],
  },
  {
    id: 'writable hostPath',
    mutate: (o) => {
      pod(o).volumes = [{ name: 'host', hostPath: { path: '/var/lib' } }];
      container(o).volumeMounts = [{ name: 'host', mountPath: '/host' }];
    },
    expect: [web('pod-hostpath-writable')],
  },
  {
    id: 'writable root filesystem',
    mutate: (o) => (container(o).securityContext.readOnlyRootFilesystem = false),
    expect: [web('container-writable-root-fs')],
  },
  {
    id: 'no seccomp profile',
    mutate: (o) => delete pod(o).securityContext.seccompProfile,
    expect: [web('pod-seccomp-missing')],
  },
  {
    id: 'service account token mounted',
    mutate: (o) => {
      pod(o).automountServiceAccountToken = true;
    },
    expect: [web('pod-sa-token-automount')],
  },
  {
    id: 'default service account',
    mutate: (o) => delete pod(o).serviceAccountName,
    expect: [web('pod-default-service-account')],
  },
  {
    id: 'password in env',
    mutate: (o) => (container(o).env = [{ name: 'DB_PASSWORD', value: 'hunter2-production' }]),
    expect: [web('env-credentials')],
  },
  {
    id: 'password in ConfigMap',
    mutate: (o) => {
      add(o, {
        apiVersion: 'v1',
        kind: 'ConfigMap',
        metadata: meta('web-config', 'shop'),
        data: { 'application.properties': 'db.password=hunter2-production\n' },
      });
      pod(o).volumes = [{ name: 'config', configMap: { name: 'web-config' } }];
      container(o).volumeMounts = [{ name: 'config', mountPath: '/config', readOnly: true }];
    },
    expect: [on('configmap-credentials', 'ConfigMap', 'web-config')],
  },
  {
    id: 'latest tag',
    mutate: (o) => {
      container(o).image = 'registry.example.com/shop/web:latest';
      container(o).imagePullPolicy = 'IfNotPresent';
    },
    // A moving tag pulled only when absent lets nodes run different images.
    expect: [web('image-tag-latest'), web('image-pull-policy')],
  },
  {
    id: 'tag without digest',
    mutate: (o) => (container(o).image = 'registry.example.com/shop/web:1.4.2'),
    expect: [web('image-not-pinned')],
    profile: 'strict',
  },
  {
    id: 'no resource requests',
    mutate: (o) => delete container(o).resources.requests,
    // CPU utilization is relative to the request, so the HPA is blind too.
    expect: [
      web('container-requests-missing'),
      on('hpa-unable-to-scale', 'HorizontalPodAutoscaler', 'web'),
    ],
  },
  {
    id: 'no resource limits',
    mutate: (o) => delete container(o).resources.limits,
    expect: [web('container-limits-missing')],
  },
  {
    id: 'no readiness probe',
    mutate: (o) => delete container(o).readinessProbe,
    expect: [web('container-readiness-probe-missing')],
  },
  {
    id: 'no liveness probe',
    mutate: (o) => delete container(o).livenessProbe,
    expect: [web('container-liveness-probe-missing')],
  },
  {
    id: 'single replica',
    mutate: (o) => {
      deployment(o).spec.replicas = 1;
      remove(o, 'HorizontalPodAutoscaler', 'web');
      remove(o, 'PodDisruptionBudget', 'web');
    },
    expect: [web('workload-single-replica')],
  },
  {
    id: 'no PodDisruptionBudget',
    mutate: (o) => remove(o, 'PodDisruptionBudget', 'web'),
    expect: [web('workload-no-pdb')],
  },
  {
    id: 'no topology spread',
    mutate: (o) => delete pod(o).topologySpreadConstraints,
    expect: [web('workload-no-spread')],
  },
  {
    id: 'no recommended labels',
    mutate: (o) => (deployment(o).metadata.labels = { app: 'web' }),
    expect: [web('labels-recommended')],
    profile: 'strict',
  },
  {
    id: 'Service selecting nothing',
    mutate: (o) => (find(o, 'Service', 'web').spec.selector = { 'app.kubernetes.io/name': 'webb' }),
    expect: [on('service-selector-no-match', 'Service', 'web')],
  },
  {
    id: 'Ingress to a missing Service',
    mutate: (o) => {
      const paths = find(o, 'Ingress', 'web').spec.rules[0].http.paths;
      paths[0].backend.service.name = 'web-v2';
    },
    expect: [on('ingress-backend-missing', 'Ingress', 'web')],
  },
  {
    id: 'Ingress with a missing TLS Secret',
    // The input still declares Secrets, so a missing one is a fault, not an omission.
    mutate: (o) => (find(o, 'Secret', 'web-tls').metadata.name = 'web-tls-old'),
    expect: [on('ingress-tls-secret-missing', 'Ingress', 'web')],
  },
  {
    id: 'Ingress with a missing class',
    mutate: (o) => (find(o, 'Ingress', 'web').spec.ingressClassName = 'traefik'),
    expect: [on('ingress-class-missing', 'Ingress', 'web')],
  },
  {
    id: 'HPA without its target',
    mutate: (o) => (find(o, 'HorizontalPodAutoscaler', 'web').spec.scaleTargetRef.name = 'web-v2'),
    // The Deployment leaves its replica count to the HPA, so unscaled it runs one pod.
    expect: [
      on('hpa-target-missing', 'HorizontalPodAutoscaler', 'web'),
      web('workload-single-replica'),
    ],
  },
  {
    id: 'NetworkPolicy selecting nothing',
    mutate: (o) =>
      (find(o, 'NetworkPolicy', 'web').spec.podSelector = {
        matchLabels: { 'app.kubernetes.io/name': 'api' },
      }),
    // The policy that should protect web selects something else, so web is open.
    expect: [on('networkpolicy-no-pods', 'NetworkPolicy', 'web'), web('workload-no-networkpolicy')],
  },
  {
    id: 'namespace without NetworkPolicy',
    mutate: (o) => remove(o, 'NetworkPolicy', 'web'),
    expect: [on('namespace-no-networkpolicy', 'Namespace', 'shop')],
  },
  {
    id: 'removed API version',
    mutate: (o) => (find(o, 'PodDisruptionBudget', 'web').apiVersion = 'policy/v1beta1'),
    expect: [on('api-deprecated', 'PodDisruptionBudget', 'web')],
  },
  {
    id: 'RBAC wildcard',
    mutate: (o) =>
      add(o, {
        apiVersion: 'rbac.authorization.k8s.io/v1',
        kind: 'ClusterRole',
        metadata: meta('shop-operator'),
        rules: [{ apiGroups: ['*'], resources: ['*'], verbs: ['*'] }],
      }),
    expect: [on('rbac-wildcard', 'ClusterRole', 'shop-operator')],
  },
  {
    id: 'cluster-admin for a workload',
    mutate: (o) =>
      add(o, {
        apiVersion: 'rbac.authorization.k8s.io/v1',
        kind: 'ClusterRoleBinding',
        metadata: meta('web-admin'),
        roleRef: {
          apiGroup: 'rbac.authorization.k8s.io',
          kind: 'ClusterRole',
          name: 'cluster-admin',
        },
        subjects: [{ kind: 'ServiceAccount', name: 'web', namespace: 'shop' }],
      }),
    expect: [on('rbac-cluster-admin-binding', 'ClusterRoleBinding', 'web-admin')],
  },
  {
    id: 'Role reading Secrets',
    mutate: (o) => {
      add(o, {
        apiVersion: 'rbac.authorization.k8s.io/v1',
        kind: 'Role',
        metadata: meta('web-secrets', 'shop'),
        rules: [{ apiGroups: [''], resources: ['secrets'], verbs: ['get', 'list'] }],
      });
      add(o, {
        apiVersion: 'rbac.authorization.k8s.io/v1',
        kind: 'RoleBinding',
        metadata: meta('web-secrets', 'shop'),
        roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'web-secrets' },
        subjects: [{ kind: 'ServiceAccount', name: 'web', namespace: 'shop' }],
      });
    },
    expect: [on('rbac-secret-access', 'RoleBinding', 'web-secrets')],
  },
  {
    id: 'Role with exec into pods',
    mutate: (o) => {
      add(o, {
        apiVersion: 'rbac.authorization.k8s.io/v1',
        kind: 'Role',
        metadata: meta('web-debug', 'shop'),
        rules: [{ apiGroups: [''], resources: ['pods/exec'], verbs: ['create'] }],
      });
      add(o, {
        apiVersion: 'rbac.authorization.k8s.io/v1',
        kind: 'RoleBinding',
        metadata: meta('web-debug', 'shop'),
        roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'web-debug' },
        subjects: [{ kind: 'ServiceAccount', name: 'web', namespace: 'shop' }],
      });
    },
    expect: [on('rbac-pod-exec', 'RoleBinding', 'web-debug')],
  },
  {
    id: 'CronJob with a bad schedule',
    mutate: (o) => add(o, cronJob('report', '0 25 * * *')),
    expect: [on('cronjob-invalid-schedule', 'CronJob', 'report')],
  },
  {
    id: 'suspended CronJob',
    mutate: (o) => {
      const job = cronJob('cleanup', '0 3 * * *');
      job.spec.suspend = true;
      add(o, job);
    },
    expect: [on('cronjob-suspended', 'CronJob', 'cleanup')],
  },
  {
    id: 'PVC with a missing StorageClass',
    mutate: (o) => {
      add(o, {
        apiVersion: 'storage.k8s.io/v1',
        kind: 'StorageClass',
        metadata: meta('standard'),
        provisioner: 'kubernetes.io/no-provisioner',
      });
      add(o, {
        apiVersion: 'v1',
        kind: 'PersistentVolumeClaim',
        metadata: meta('data', 'shop'),
        spec: {
          storageClassName: 'fast-ssd',
          accessModes: ['ReadWriteOnce'],
          resources: { requests: { storage: '1Gi' } },
        },
      });
    },
    expect: [on('pvc-storageclass-missing', 'PersistentVolumeClaim', 'data')],
  },
  {
    id: 'liveness probe repeats the readiness probe',
    mutate: (o) => (container(o).livenessProbe = structuredClone(container(o).readinessProbe)),
    expect: [web('pod-probes-identical')],
  },
  {
    id: 'readiness probe on an undeclared port name',
    mutate: (o) => (container(o).readinessProbe.httpGet.port = 'https'),
    expect: [web('readiness-port')],
  },
  {
    id: 'one port declared twice',
    mutate: (o) => container(o).ports.push({ name: 'metrics', containerPort: 8080 }),
    expect: [web('container-ports-check')],
  },
  {
    id: 'environment variable set twice',
    mutate: (o) =>
      (container(o).env = [
        { name: 'LOG_LEVEL', value: 'info' },
        { name: 'LOG_LEVEL', value: 'debug' },
      ]),
    expect: [web('environment-variable-key-duplication')],
  },
  {
    id: 'replicas set under an HPA',
    mutate: (o) => (deployment(o).spec.replicas = 3),
    expect: [web('deployment-targeted-by-hpa-does-not-have-replicas-configured')],
  },
  {
    id: 'Recreate strategy',
    mutate: (o) => (deployment(o).spec.strategy = { type: 'Recreate' }),
    expect: [web('deployment-strategy')],
  },
  {
    id: 'topology spread selecting other pods',
    mutate: (o) =>
      (pod(o).topologySpreadConstraints[0].labelSelector.matchLabels = {
        'app.kubernetes.io/name': 'api',
      }),
    expect: [web('pod-topology-spread-constraints')],
  },
  {
    id: 'selector that does not match the template',
    mutate: (o) =>
      (deployment(o).spec.selector.matchLabels = { 'app.kubernetes.io/name': 'web-frontend' }),
    expect: [web('pod-selector-labels-match-template-metadata-labels')],
  },
  {
    id: 'NodePort Service',
    mutate: (o) => (find(o, 'Service', 'web').spec.type = 'NodePort'),
    expect: [on('service-type', 'Service', 'web')],
  },
  {
    id: 'PodDisruptionBudget without a budget',
    mutate: (o) => delete find(o, 'PodDisruptionBudget', 'web').spec.maxUnavailable,
    expect: [on('poddisruptionbudget-has-policy', 'PodDisruptionBudget', 'web')],
  },
  {
    id: 'NetworkPolicy peer selecting nothing',
    mutate: (o) =>
      (find(o, 'NetworkPolicy', 'web').spec.ingress[0].from = [
        { podSelector: { matchLabels: { 'app.kubernetes.io/name': 'ingress-nginx' } } },
      ]),
    expect: [on('dangling-networkpolicypeer-podselector', 'NetworkPolicy', 'web')],
  },
  {
    id: 'unsafe sysctl',
    mutate: (o) =>
      (pod(o).securityContext.sysctls = [{ name: 'net.core.somaxconn', value: '1024' }]),
    expect: [web('unsafe-sysctls')],
  },
  {
    id: 'Secret read from the environment',
    mutate: (o) =>
      (container(o).env = [
        { name: 'TLS_KEY', valueFrom: { secretKeyRef: { name: 'web-tls', key: 'tls.key' } } },
      ]),
    expect: [web('read-secret-from-env-var')],
    profile: 'strict',
  },
];

/** A CronJob that follows the golden workload's practices, so only its planted fault shows. */
function cronJob(name: string, schedule: string): Obj {
  const golden = {
    apiVersion: 'batch/v1',
    kind: 'CronJob',
    metadata: meta(name, 'shop'),
    spec: {
      schedule,
      jobTemplate: {
        spec: {
          template: {
            metadata: { labels: { ...LABELS } },
            spec: {
              restartPolicy: 'OnFailure',
              serviceAccountName: 'web',
              automountServiceAccountToken: false,
              securityContext: {
                runAsNonRoot: true,
                runAsUser: 10001,
                seccompProfile: { type: 'RuntimeDefault' },
              },
              containers: [
                {
                  name: name,
                  image:
                    'registry.example.com/shop/jobs:1.4.2@sha256:9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08',
                  imagePullPolicy: 'IfNotPresent',
                  resources: {
                    requests: { cpu: '50m', memory: '64Mi' },
                    limits: { cpu: '200m', memory: '128Mi' },
                  },
                  securityContext: {
                    allowPrivilegeEscalation: false,
                    readOnlyRootFilesystem: true,
                    runAsNonRoot: true,
                    capabilities: { drop: ['ALL'] },
                  },
                },
              ],
            },
          },
        },
      },
    },
  };
  return golden;
}
