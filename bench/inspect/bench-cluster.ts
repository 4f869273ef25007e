/**
 * The cluster bench:inspect fills: 10,000 pods shaped like a real cluster.
 * Most pods belong to Deployments, StatefulSets, DaemonSets and Jobs of
 * varied sizes (the controllers of the test cluster create them), a few
 * percent are bare pods, templates differ in how well they are configured,
 * and a handful of planted faults must each produce their finding.
 */
type Json = Record<string, unknown>;

export const NAMESPACES = 20;
export const NODES = 100;
const SYSTEM_NAMESPACE = 'bench-system';
/** Deployment sizes in every namespace: a few big services, a long tail of small ones. */
const DEPLOYMENT_SIZES = [60, 50, 40, 40, 30, 30, 25, 25, 20, 20, 15, 12, 10, 8, 6, 4, 3, 1, 1];
/**
 * The biggest Deployments serve traffic through a Service; the small tail
 * are workers. The test cluster's service range (a /24) also holds no more
 * than 253 cluster IPs; StatefulSets use headless Services, which take none.
 */
const SERVED_DEPLOYMENTS = 11;
const STATEFULSET_SIZES = [20, 10];
const JOBS = 4;
const JOB_COMPLETIONS = 5;
const BARE_PODS = 40;
const DAEMONSETS = ['node-exporter', 'log-agent'];

export interface PlantedFault {
  what: string;
  /** The finding it must produce. */
  rule: string;
  kind: string;
  namespace: string;
  name: string;
}

export interface BenchCluster {
  /** Objects in creation order (namespaces and service accounts first). */
  objects: Json[];
  /** Pods the controllers and the bench create once everything settled. */
  expectedPods: number;
  /** Pods the planted faults leave Pending on purpose. */
  expectedPending: number;
  shape: string;
  faults: PlantedFault[];
}

const ns = (n: number) => `bench-${n}`;
const meta = (name: string, namespace: string, labels: Record<string, string> = {}): Json => ({
  name,
  namespace,
  labels: {
    'app.kubernetes.io/name': name,
    'app.kubernetes.io/instance': name,
    'app.kubernetes.io/part-of': namespace,
    'app.kubernetes.io/managed-by': 'kubeops-bench',
    ...labels,
  },
});

/** How carefully a team wrote a template: varies with the workload's position. */
interface TemplateStyle {
  probes: boolean;
  limits: boolean;
  hardened: boolean;
  image: string;
}

function styleOf(index: number): TemplateStyle {
  return {
    probes: index % 3 !== 0,
    limits: index % 4 !== 1,
    hardened: index % 5 !== 2,
    image: `registry.example.com/bench/svc-${index}:1.${index}.0`,
  };
}

function container(name: string, style: TemplateStyle): Json {
  const probe = { httpGet: { path: '/healthz', port: 8080 } };
  return {
    name,
    image: style.image,
    ports: [{ name: 'http', containerPort: 8080 }],
    ...(style.probes ? { livenessProbe: probe, readinessProbe: probe } : {}),
    resources: {
      requests: { cpu: '10m', memory: '32Mi' },
      ...(style.limits ? { limits: { cpu: '200m', memory: '128Mi' } } : {}),
    },
    ...(style.hardened
      ? {
          securityContext: {
            allowPrivilegeEscalation: false,
            readOnlyRootFilesystem: true,
            runAsNonRoot: true,
            runAsUser: 10001,
            capabilities: { drop: ['ALL'] },
          },
        }
      : {}),
  };
}

function podSpec(name: string, style: TemplateStyle, extra: Json = {}): Json {
  return {
    serviceAccountName: 'app',
    automountServiceAccountToken: false,
    ...(style.hardened ? { securityContext: { seccompProfile: { type: 'RuntimeDefault' } } } : {}),
    containers: [container(name, style)],
    ...extra,
  };
}

function template(name: string, style: TemplateStyle, labels: Json = {}, extra: Json = {}): Json {
  return {
    metadata: { labels: { app: name, ...labels } },
    spec: podSpec(name, style, extra),
  };
}

const spread = (name: string) => ({
  topologySpreadConstraints: [
    {
      maxSkew: 1,
      topologyKey: 'topology.kubernetes.io/zone',
      whenUnsatisfiable: 'ScheduleAnyway',
      labelSelector: { matchLabels: { app: name } },
    },
  ],
});

export function benchCluster(): BenchCluster {
  const objects: Json[] = [];
  const faults: PlantedFault[] = [];
  const fault = (f: PlantedFault) => faults.push(f);
  let pods = 0;
  let pending = 0;
  const counts = { Deployment: 0, StatefulSet: 0, DaemonSet: 0, Job: 0, CronJob: 0, Service: 0 };

  const namespaces = [SYSTEM_NAMESPACE, ...Array.from({ length: NAMESPACES }, (_, n) => ns(n))];
  for (const namespace of namespaces) {
    objects.push({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: namespace } });
    objects.push({
      apiVersion: 'v1',
      kind: 'ServiceAccount',
      metadata: { name: 'app', namespace },
      automountServiceAccountToken: false,
    });
  }

  // Node agents: one pod per node each.
  for (const [d, name] of DAEMONSETS.entries()) {
    const style = styleOf(d);
    objects.push({
      apiVersion: 'apps/v1',
      kind: 'DaemonSet',
      metadata: meta(name, SYSTEM_NAMESPACE),
      spec: { selector: { matchLabels: { app: name } }, template: template(name, style) },
    });
    counts.DaemonSet++;
    pods += NODES;
  }

  for (let n = 0; n < NAMESPACES; n++) {
    const namespace = ns(n);
    // Most teams isolate their namespace; every fourth one forgot.
    if (n % 4 !== 3) {
      objects.push({
        apiVersion: 'networking.k8s.io/v1',
        kind: 'NetworkPolicy',
        metadata: meta('default-deny', namespace),
        spec: { podSelector: {}, policyTypes: ['Ingress'] },
      });
    }
    for (const [d, replicas] of DEPLOYMENT_SIZES.entries()) {
      const name = `svc-${d}`;
      const style = styleOf(d);
      const labels: Json = {};
      if (n === 3 && d === 15) {
        labels['kubeops.io/test-fault'] = 'crashloop';
        fault({
          what: 'crash-looping Deployment',
          rule: 'pod-crashloop',
          kind: 'Deployment',
          namespace,
          name,
        });
      }
      if (n === 5 && d === 16) {
        style.image = `registry.example.com/bench/${name}:latest`;
        fault({
          what: 'image tag latest',
          rule: 'image-tag-latest',
          kind: 'Deployment',
          namespace,
          name,
        });
      }
      const extra: Json = replicas >= 10 ? spread(name) : {};
      const spec = template(name, style, labels, extra);
      if (n === 7 && d === 17) {
        const c = (spec.spec as { containers: Json[] }).containers[0]!;
        c.securityContext = { privileged: true, allowPrivilegeEscalation: true };
        fault({
          what: 'privileged container',
          rule: 'container-privileged',
          kind: 'Deployment',
          namespace,
          name,
        });
      }
      objects.push({
        apiVersion: 'apps/v1',
        kind: 'Deployment',
        metadata: meta(name, namespace),
        spec: { replicas, selector: { matchLabels: { app: name } }, template: spec },
      });
      if (d < SERVED_DEPLOYMENTS) {
        objects.push({
          apiVersion: 'v1',
          kind: 'Service',
          metadata: meta(name, namespace),
          spec: { selector: { app: name }, ports: [{ name: 'http', port: 80, targetPort: 8080 }] },
        });
        counts.Service++;
      }
      // Bigger services in even namespaces have a disruption budget.
      if (replicas >= 10 && n % 2 === 0) {
        objects.push({
          apiVersion: 'policy/v1',
          kind: 'PodDisruptionBudget',
          metadata: meta(name, namespace),
          spec: { maxUnavailable: 1, selector: { matchLabels: { app: name } } },
        });
      }
      counts.Deployment++;
      pods += replicas;
    }
    for (const [s, replicas] of STATEFULSET_SIZES.entries()) {
      const name = `db-${s}`;
      objects.push({
        apiVersion: 'v1',
        kind: 'Service',
        metadata: meta(name, namespace),
        spec: { clusterIP: 'None', selector: { app: name }, ports: [{ name: 'db', port: 5432 }] },
      });
      objects.push({
        apiVersion: 'apps/v1',
        kind: 'StatefulSet',
        metadata: meta(name, namespace),
        spec: {
          replicas,
          serviceName: name,
          podManagementPolicy: 'Parallel',
          selector: { matchLabels: { app: name } },
          template: template(name, styleOf(s + 1), {}, spread(name)),
        },
      });
      counts.StatefulSet++;
      counts.Service++;
      pods += replicas;
    }
    for (let j = 0; j < JOBS; j++) {
      const name = `batch-${j}`;
      objects.push({
        apiVersion: 'batch/v1',
        kind: 'Job',
        metadata: meta(name, namespace),
        spec: {
          completions: JOB_COMPLETIONS,
          parallelism: JOB_COMPLETIONS,
          template: template(name, styleOf(j), {}, { restartPolicy: 'Never' }),
        },
      });
      counts.Job++;
      pods += JOB_COMPLETIONS;
    }
    objects.push({
      apiVersion: 'batch/v1',
      kind: 'CronJob',
      metadata: meta('nightly-report', namespace),
      spec: {
        schedule: '0 3 1 1 *',
        suspend: n === 19,
        jobTemplate: {
          spec: {
            template: template('nightly-report', styleOf(n), {}, { restartPolicy: 'Never' }),
          },
        },
      },
    });
    counts.CronJob++;
    if (n === 19) {
      fault({
        what: 'suspended CronJob',
        rule: 'cronjob-suspended',
        kind: 'CronJob',
        namespace,
        name: 'nightly-report',
      });
    }
    // One-off pods people started by hand.
    for (let p = 0; p < BARE_PODS; p++) {
      const name = `debug-${p}`;
      const extra: Json = {};
      if (n === 17 && p === 0) {
        extra.nodeSelector = { 'kubeops.io/no-such-node': 'true' };
        pending++;
        fault({
          what: 'unschedulable pod',
          rule: 'pod-unschedulable',
          kind: 'Pod',
          namespace,
          name,
        });
      }
      objects.push({
        apiVersion: 'v1',
        kind: 'Pod',
        metadata: meta(name, namespace, { app: name }),
        spec: {
          ...podSpec(name, styleOf(p)),
          nodeName: extra.nodeSelector ? undefined : `kwok-node-${(n * BARE_PODS + p) % NODES}`,
          ...extra,
        },
      });
      pods++;
    }
  }

  objects.push({
    apiVersion: 'v1',
    kind: 'Service',
    metadata: meta('legacy-api', ns(9)),
    spec: { selector: { app: 'legacy-api' }, ports: [{ port: 80 }] },
  });
  counts.Service++;
  fault({
    what: 'Service selecting nothing',
    rule: 'service-selector-no-match',
    kind: 'Service',
    namespace: ns(9),
    name: 'legacy-api',
  });
  objects.push({
    apiVersion: 'autoscaling/v2',
    kind: 'HorizontalPodAutoscaler',
    metadata: meta('search', ns(11)),
    spec: {
      scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'search' },
      minReplicas: 2,
      maxReplicas: 10,
      metrics: [
        {
          type: 'Resource',
          resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 70 } },
        },
      ],
    },
  });
  fault({
    what: 'HPA scaling a missing Deployment',
    rule: 'hpa-target-missing',
    kind: 'HorizontalPodAutoscaler',
    namespace: ns(11),
    name: 'search',
  });
  objects.push({
    apiVersion: 'v1',
    kind: 'PersistentVolumeClaim',
    metadata: meta('archive', ns(13)),
    spec: {
      accessModes: ['ReadWriteOnce'],
      storageClassName: 'no-such-class',
      resources: { requests: { storage: '1Gi' } },
    },
  });
  fault({
    what: 'PVC with a missing StorageClass',
    rule: 'pvc-storageclass-missing',
    kind: 'PersistentVolumeClaim',
    namespace: ns(13),
    name: 'archive',
  });
  objects.push({
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: meta('migrate', ns(15)),
    spec: {
      // kwok completes running Job pods on its own; a pod that never gets a
      // node fails the Job by its deadline every time (and is then removed).
      backoffLimit: 0,
      activeDeadlineSeconds: 3,
      template: template(
        'migrate',
        styleOf(0),
        {},
        {
          restartPolicy: 'Never',
          nodeSelector: { 'kubeops.io/no-such-node': 'true' },
        },
      ),
    },
  });
  counts.Job++;
  fault({
    what: 'Job past its deadline',
    rule: 'job-failed',
    kind: 'Job',
    namespace: ns(15),
    name: 'migrate',
  });
  objects.push({
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: meta('svc-0-settings', ns(1)),
    data: { DATABASE_URL: 'postgres://shop:Sup3rS3cret@db-0:5432/shop' },
  });
  fault({
    what: 'password in a ConfigMap',
    rule: 'configmap-credentials',
    kind: 'ConfigMap',
    namespace: ns(1),
    name: 'svc-0-settings',
  });

  const bare = NAMESPACES * BARE_PODS;
  const shape =
    `${pods} pods: ${counts.Deployment} Deployments (${DEPLOYMENT_SIZES.length} per namespace, ${Math.min(...DEPLOYMENT_SIZES)}-${Math.max(...DEPLOYMENT_SIZES)} replicas), ` +
    `${counts.StatefulSet} StatefulSets, ${counts.DaemonSet} DaemonSets on ${NODES} nodes, ${counts.Job} Jobs, ${counts.CronJob} CronJobs, ` +
    `${bare} bare pods (${((100 * bare) / pods).toFixed(0)}%), ${counts.Service} Services, ${NAMESPACES + 1} namespaces, ${faults.length} planted faults`;
  return { objects, expectedPods: pods, expectedPending: pending, shape, faults };
}
