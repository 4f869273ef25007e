import type { KubeClient } from '../../packages/server/src/kube/kube-client.js';
import type { BenchCluster } from './bench-cluster.js';

type Json = Record<string, unknown>;
const PARALLEL = 16;
const SETTLE_TIMEOUT_MS = 40 * 60_000;

/** API paths of the kinds the bench cluster is made of. */
const RESOURCES: Record<string, string> = {
  Namespace: '/api/v1/namespaces',
  ServiceAccount: '/api/v1/namespaces/{ns}/serviceaccounts',
  Service: '/api/v1/namespaces/{ns}/services',
  Pod: '/api/v1/namespaces/{ns}/pods',
  ConfigMap: '/api/v1/namespaces/{ns}/configmaps',
  PersistentVolumeClaim: '/api/v1/namespaces/{ns}/persistentvolumeclaims',
  Deployment: '/apis/apps/v1/namespaces/{ns}/deployments',
  StatefulSet: '/apis/apps/v1/namespaces/{ns}/statefulsets',
  DaemonSet: '/apis/apps/v1/namespaces/{ns}/daemonsets',
  Job: '/apis/batch/v1/namespaces/{ns}/jobs',
  CronJob: '/apis/batch/v1/namespaces/{ns}/cronjobs',
  NetworkPolicy: '/apis/networking.k8s.io/v1/namespaces/{ns}/networkpolicies',
  PodDisruptionBudget: '/apis/policy/v1/namespaces/{ns}/poddisruptionbudgets',
  HorizontalPodAutoscaler: '/apis/autoscaling/v2/namespaces/{ns}/horizontalpodautoscalers',
};

function collectionPath(object: Json): string {
  const kind = object.kind as string;
  const template = RESOURCES[kind];
  if (!template) throw new Error(`bench cluster: no API path for ${kind}`);
  const namespace = (object.metadata as { namespace?: string }).namespace ?? '';
  return template.replace('{ns}', namespace);
}

async function parallel<T>(items: T[], work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: PARALLEL }, async () => {
      while (next < items.length) await work(items[next++]!);
    }),
  );
}

/** Creates the object unless it exists; the bench can be re-run on a kept cluster. */
async function create(client: KubeClient, object: Json): Promise<void> {
  await client
    .request({ method: 'POST', path: collectionPath(object), body: object })
    .catch((error: { status?: number }) => {
      if (error.status !== 409) throw error;
    });
}

interface PodList {
  items: Array<{ status?: { phase?: string } }>;
  metadata?: { continue?: string };
}

async function podPhases(client: KubeClient): Promise<Map<string, number>> {
  const phases = new Map<string, number>();
  let token: string | undefined;
  do {
    const page = await client.request<PodList>({
      path: '/api/v1/pods',
      query: { limit: 2000, continue: token },
    });
    for (const pod of page.items) {
      const phase = pod.status?.phase ?? 'Unknown';
      phases.set(phase, (phases.get(phase) ?? 0) + 1);
    }
    token = page.metadata?.continue || undefined;
  } while (token);
  return phases;
}

const seconds = (since: number) => `${((performance.now() - since) / 1000).toFixed(0)} s`;

/**
 * Applies the plan and waits until the controllers created every pod and
 * kwok moved them past Pending (the planted unschedulable pods aside), so
 * the measured snapshot is a settled cluster.
 */
export async function populate(client: KubeClient, cluster: BenchCluster): Promise<void> {
  const started = performance.now();
  const first = cluster.objects.filter(
    (o) => o.kind === 'Namespace' || o.kind === 'ServiceAccount',
  );
  for (const object of first) await create(client, object);
  // One at a time: the service IP allocator refuses bursts of concurrent creations.
  for (const object of cluster.objects.filter((o) => o.kind === 'Service')) {
    await create(client, object);
  }
  const rest = cluster.objects.filter((o) => !first.includes(o) && o.kind !== 'Service');
  await parallel(rest, (object) => create(client, object));
  console.log(`  applied ${cluster.objects.length} objects (${seconds(started)})`);

  let last = '';
  for (;;) {
    const phases = await podPhases(client);
    const total = [...phases.values()].reduce((a, b) => a + b, 0);
    const pending = phases.get('Pending') ?? 0;
    const line = [...phases].map(([phase, n]) => `${n} ${phase}`).join(', ');
    if (line !== last) console.log(`  pods: ${total} (${line}) (${seconds(started)})`);
    last = line;
    if (total >= cluster.expectedPods && pending <= cluster.expectedPending) return;
    if (performance.now() - started > SETTLE_TIMEOUT_MS) {
      throw new Error(
        `the cluster did not settle: ${total}/${cluster.expectedPods} pods, ${pending} pending`,
      );
    }
    await new Promise((resolve) => setTimeout(resolve, 10_000));
  }
}
