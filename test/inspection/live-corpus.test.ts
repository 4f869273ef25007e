import { resolve } from 'node:path';
import * as k8s from '@kubernetes/client-node';
import type { KubeObject } from '@kubeops/inspect';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KubeClient } from '../../packages/server/src/kube/kube-client.js';
import { endpointFromKubeconfig } from '../../packages/server/src/inspector/collect/kubeconfig-endpoint.js';
import { inspectSource } from '../../packages/server/src/inspector/inspect-source.js';
import { loadManifests } from '../../packages/server/src/inspector/manifests.js';
import {
  adminKubeConfig,
  createTestNamespace,
  deleteNamespace,
  waitFor,
} from '../support/cluster.js';
import { find, type ExpectedFinding } from './planted-manifests.js';
import { printScore, scoreCase, scoreCorpus } from './scoring.js';

type Obj = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

const GOLDEN = resolve(import.meta.dirname, 'manifests/golden');
const on = (rule: string, kind: string, name: string): ExpectedFinding => ({ rule, kind, name });

/** The golden Deployment under another name, with its own selector, plus a fault. */
function variant(
  golden: KubeObject[],
  name: string,
  fault: (spec: Obj, template: Obj) => void,
): Obj {
  const copy = structuredClone(find(golden, 'Deployment', 'web'));
  copy.metadata.name = name;
  copy.metadata.labels['app.kubernetes.io/name'] = name;
  copy.spec.selector.matchLabels = { 'app.kubernetes.io/name': name };
  copy.spec.template.metadata.labels['app.kubernetes.io/name'] = name;
  copy.spec.template.spec.topologySpreadConstraints[0].labelSelector.matchLabels = {
    'app.kubernetes.io/name': name,
  };
  fault(copy.spec, copy.spec.template);
  return copy;
}

/**
 * Planted faults on the live cluster: kwok's failure stages make pods crash
 * loop or fail, the real scheduler leaves pods it cannot place Pending, and
 * the controllers report Jobs and PVCs as they would on any cluster. Next to
 * them runs the golden workload, which must produce no finding.
 */
describe('planted faults on the test cluster', () => {
  let namespace: string;
  let golden: KubeObject[];
  let ingressClass: string | undefined;
  const expected: ExpectedFinding[] = [];

  beforeAll(async () => {
    namespace = await createTestNamespace('inspect-corpus');
    golden = (await loadManifests([GOLDEN], { defaultNamespace: namespace })).objects
      // No metrics server runs here, so an HPA could never scale: that would be a true finding.
      .filter(
        (o) =>
          o.kind !== 'HorizontalPodAutoscaler' &&
          o.kind !== 'Namespace' &&
          o.kind !== 'IngressClass',
      );
    for (const o of golden) o.metadata.namespace = namespace;
    // The golden manifest leaves the replica count to its HPA; start at the HPA's
    // floor, as the controller would, without waiting for it (the variants copy
    // the golden Deployment as changed here).
    const web = find(golden, 'Deployment', 'web');
    web.spec.replicas = 3;
    // kwok nodes report no ephemeral-storage and the test cluster has no shop
    // PriorityClass: pods asking for either would never be scheduled or admitted.
    const pod = web.spec.template.spec as Obj;
    delete pod.priorityClassName;
    for (const c of pod.containers as Obj[]) {
      delete c.resources.requests['ephemeral-storage'];
      delete c.resources.limits['ephemeral-storage'];
    }
    // Ingress classes are cluster-wide: one of this test's own, removed afterwards.
    ingressClass = `nginx-${namespace}`;
    (find(golden, 'Ingress', 'web').spec as Obj).ingressClassName = ingressClass;
    const kc = adminKubeConfig();
    const objects = k8s.KubernetesObjectApi.makeApiClient(kc);
    const core = kc.makeApiClient(k8s.CoreV1Api);
    await core.patchNamespace(
      {
        name: namespace,
        body: { metadata: { labels: find(golden, 'Deployment', 'web').metadata.labels } },
      },
      k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch),
    );

    const planted: Obj[] = [
      {
        apiVersion: 'networking.k8s.io/v1',
        kind: 'IngressClass',
        metadata: { name: ingressClass },
        spec: { controller: 'k8s.io/ingress-nginx' },
      },
      variant(
        golden,
        'crashy',
        (_s, t) => (t.metadata.labels['kubeops.io/test-fault'] = 'crashloop'),
      ),
      {
        apiVersion: 'v1',
        kind: 'Service',
        metadata: {
          name: 'crashy',
          namespace,
          labels: find(golden, 'Service', 'web').metadata.labels,
        },
        spec: {
          selector: { 'app.kubernetes.io/name': 'crashy' },
          ports: [{ port: 80, targetPort: 8080 }],
        },
      },
      variant(
        golden,
        'unplaceable',
        (_s, t) => (t.spec.nodeSelector = { disktype: 'nvme-that-no-node-has' }),
      ),
      variant(golden, 'privileged', (_s, t) => {
        // The API server refuses privileged without privilege escalation.
        t.spec.containers[0].securityContext.privileged = true;
        t.spec.containers[0].securityContext.allowPrivilegeEscalation = true;
      }),
      {
        apiVersion: 'batch/v1',
        kind: 'Job',
        metadata: {
          name: 'migrate',
          namespace,
          labels: find(golden, 'Service', 'web').metadata.labels,
        },
        spec: {
          // kwok completes running Job pods on its own, racing the failure stage;
          // a pod that never gets a node fails the Job by its deadline every time.
          backoffLimit: 0,
          activeDeadlineSeconds: 3,
          template: {
            metadata: { labels: { 'kubeops.io/test-fault': 'failed' } },
            spec: {
              ...structuredClone(find(golden, 'Deployment', 'web').spec.template.spec),
              restartPolicy: 'Never',
              topologySpreadConstraints: undefined,
              nodeSelector: { 'kubeops.io/no-such-node': 'true' },
            },
          },
        },
      },
      {
        apiVersion: 'v1',
        kind: 'PersistentVolumeClaim',
        metadata: {
          name: 'data',
          namespace,
          labels: find(golden, 'Service', 'web').metadata.labels,
        },
        spec: {
          storageClassName: 'missing-class',
          accessModes: ['ReadWriteOnce'],
          resources: { requests: { storage: '1Gi' } },
        },
      },
      {
        apiVersion: 'v1',
        kind: 'Service',
        metadata: {
          name: 'orphan',
          namespace,
          labels: find(golden, 'Service', 'web').metadata.labels,
        },
        spec: { selector: { 'app.kubernetes.io/name': 'nothing-has-this' }, ports: [{ port: 80 }] },
      },
      {
        apiVersion: 'autoscaling/v2',
        kind: 'HorizontalPodAutoscaler',
        metadata: {
          name: 'api',
          namespace,
          labels: find(golden, 'Service', 'web').metadata.labels,
        },
        spec: {
          scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'api' },
          minReplicas: 2,
          maxReplicas: 4,
        },
      },
    ];
    expected.push(
      // Pod problems are reported once per owning workload, naming the pods in the message.
      on('pod-crashloop', 'Deployment', 'crashy'),
      on('workload-unavailable', 'Deployment', 'crashy'),
      on('service-no-endpoints', 'Service', 'crashy'),
      on('pod-unschedulable', 'Deployment', 'unplaceable'),
      on('workload-unavailable', 'Deployment', 'unplaceable'),
      on('container-privileged', 'Deployment', 'privileged'),
      on('container-privilege-escalation', 'Deployment', 'privileged'),
      on('job-failed', 'Job', 'migrate'),
      // The variants are copies of web under names of their own, so neither web's
      // PodDisruptionBudget nor its NetworkPolicy selects them: true findings too.
      ...['crashy', 'unplaceable', 'privileged'].flatMap((name) => [
        on('workload-no-pdb', 'Deployment', name),
        on('workload-no-networkpolicy', 'Deployment', name),
      ]),
      on('workload-no-networkpolicy', 'Job', 'migrate'),
      on('pvc-pending', 'PersistentVolumeClaim', 'data'),
      on('pvc-storageclass-missing', 'PersistentVolumeClaim', 'data'),
      on('service-selector-no-match', 'Service', 'orphan'),
      on('hpa-target-missing', 'HorizontalPodAutoscaler', 'api'),
    );
    for (const object of [...golden, ...planted])
      await objects.create(object as k8s.KubernetesObject);

    const apps = kc.makeApiClient(k8s.AppsV1Api);
    const batch = kc.makeApiClient(k8s.BatchV1Api);
    // The waits overlap: each fault settles on its own clock.
    await Promise.all([
      waitFor(
        'the golden Deployment to be available',
        async () =>
          (await apps.readNamespacedDeployment({ namespace, name: 'web' })).status
            ?.availableReplicas === 3,
        180_000,
      ),
      waitFor(
        'crash-looping pods with restarts',
        async () => {
          const pods = await core.listNamespacedPod({
            namespace,
            labelSelector: 'app.kubernetes.io/name=crashy',
          });
          return (
            pods.items.length === 3 &&
            pods.items.every((p) => (p.status?.containerStatuses?.[0]?.restartCount ?? 0) >= 2)
          );
        },
        180_000,
      ),
      waitFor(
        'the Job to fail',
        async () =>
          (await batch.readNamespacedJob({ namespace, name: 'migrate' })).status?.conditions?.some(
            (c) => c.type === 'Failed' && c.status === 'True',
          ),
        180_000,
      ),
      waitFor(
        'the scheduler to give up on the unplaceable pods',
        async () => {
          const pods = await core.listNamespacedPod({
            namespace,
            labelSelector: 'app.kubernetes.io/name=unplaceable',
          });
          return (
            pods.items.length > 0 &&
            pods.items.every((p) =>
              p.status?.conditions?.some(
                (c) => c.type === 'PodScheduled' && c.reason === 'Unschedulable',
              ),
            )
          );
        },
        180_000,
      ),
    ]);
  });

  afterAll(async () => {
    if (namespace) await deleteNamespace(namespace);
    if (ingressClass) {
      await adminKubeConfig()
        .makeApiClient(k8s.NetworkingV1Api)
        .deleteIngressClass({ name: ingressClass })
        .catch(() => undefined);
    }
  });

  it('collects the namespace live and finds the planted faults, and nothing on the golden workload', async () => {
    const { report } = await inspectSource({
      source: { kind: 'cluster', kubeconfig: process.env.KUBEOPS_TEST_KUBECONFIG, namespace },
    });
    expect(report.skipped).toEqual([]);
    const findings = report.result.findings;
    const score = scoreCorpus([scoreCase('live', expected, findings)]);
    printScore(`live corpus (${expected.length} planted findings in ${namespace})`, score);
    const goldenNames = new Set(golden.map((o) => `${o.kind}/${o.metadata.name}`));
    const onGolden = findings.filter(
      (f) =>
        goldenNames.has(`${f.resource.kind}/${f.resource.name}`) ||
        f.resource.name.startsWith('web-'),
    );
    expect(onGolden.map((f) => `${f.ruleId} ${f.resource.kind}/${f.resource.name}`)).toEqual([]);
    expect(score.recall).toBeGreaterThanOrEqual(0.9);
    expect(score.precision).toBeGreaterThanOrEqual(0.8);
  });

  it('sees Secrets by name only: the collector never reads their values', async () => {
    const { endpoint } = await endpointFromKubeconfig({
      kubeconfig: process.env.KUBEOPS_TEST_KUBECONFIG,
    });
    const client = new KubeClient(endpoint);
    try {
      const { SnapshotCollector } =
        await import('../../packages/server/src/inspector/collect/snapshot-collector.js');
      const { snapshot } = await new SnapshotCollector(client).collect({ namespace });
      const secret = snapshot.objects.find(
        (o) => o.kind === 'Secret' && o.metadata.name === 'web-tls',
      );
      expect(secret).toBeDefined();
      expect(secret).not.toHaveProperty('data');
      expect(secret!.apiVersion).toBe('v1');
    } finally {
      client.close();
    }
  });
});
