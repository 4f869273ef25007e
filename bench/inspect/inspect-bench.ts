import { runInspection, type Snapshot } from '@kubeops/inspect';
import { KubeClient } from '../../packages/server/src/kube/kube-client.js';
import { endpointFromKubeconfig } from '../../packages/server/src/inspector/collect/kubeconfig-endpoint.js';
import { SnapshotCollector } from '../../packages/server/src/inspector/collect/snapshot-collector.js';

/**
 * Fills the bench cluster with 10,000 pods (20 namespaces x 500, spread over
 * 100 fake nodes, 1% of them crash-looping, a Service per 50 pods and a
 * Deployment per namespace), then measures: collection from the API server,
 * the rule phase (runInspection) and the memory it holds. The rule phase
 * must stay under 3 s.
 */
const NAMESPACES = 20;
const PODS_PER_NAMESPACE = 500;
const PODS_PER_SERVICE = 50;
const NODES = 100;
const RULE_PHASE_LIMIT_MS = 3000;
const PARALLEL = 32;

const mib = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(1)} MiB`;

async function parallel<T>(items: T[], work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: PARALLEL }, async () => {
      while (next < items.length) await work(items[next++]!);
    }),
  );
}

async function exists(client: KubeClient, path: string): Promise<boolean> {
  return client.request({ path }).then(
    () => true,
    () => false,
  );
}

async function create(client: KubeClient, path: string, body: unknown): Promise<void> {
  await client.request({ method: 'POST', path, body }).catch((error: { status?: number }) => {
    if (error.status !== 409) throw error;
  });
}

function pod(namespace: string, i: number) {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name: `app-${i}`,
      namespace,
      labels: {
        app: `svc-${Math.floor(i / PODS_PER_SERVICE)}`,
        ...(i % 100 === 7 ? { 'kubeops.io/test-fault': 'crashloop' } : {}),
      },
    },
    spec: {
      nodeName: `kwok-node-${i % NODES}`,
      containers: [
        {
          name: 'app',
          image: i % 10 === 0 ? 'example/app:latest' : 'example/app:1.0.0',
          resources: { requests: { cpu: '10m', memory: '16Mi' } },
        },
      ],
    },
  };
}

async function populate(client: KubeClient): Promise<void> {
  const started = performance.now();
  for (let n = 0; n < NAMESPACES; n++) {
    const namespace = `bench-${n}`;
    if (!(await exists(client, `/api/v1/namespaces/${namespace}`))) {
      await create(client, '/api/v1/namespaces', { metadata: { name: namespace } });
    }
    const services = Array.from({ length: PODS_PER_NAMESPACE / PODS_PER_SERVICE }, (_, s) => s);
    // One at a time: the service IP allocator refuses bursts of concurrent creations.
    for (const s of services) {
      await create(client, `/api/v1/namespaces/${namespace}/services`, {
        metadata: { name: `svc-${s}` },
        spec: { selector: { app: `svc-${s}` }, ports: [{ port: 80 }] },
      });
    }
    await create(client, `/apis/apps/v1/namespaces/${namespace}/deployments`, {
      metadata: { name: 'frontend' },
      spec: {
        replicas: 0,
        selector: { matchLabels: { app: 'frontend' } },
        template: {
          metadata: { labels: { app: 'frontend' } },
          spec: { containers: [{ name: 'web', image: 'example/web:2.0.0' }] },
        },
      },
    });
    const have = await client.request<{ items: unknown[] }>({
      path: `/api/v1/namespaces/${namespace}/pods`,
      query: { limit: 1000 },
    });
    if (have.items.length >= PODS_PER_NAMESPACE) continue;
    const pods = Array.from({ length: PODS_PER_NAMESPACE }, (_, i) => i);
    await parallel(pods, (i) =>
      create(client, `/api/v1/namespaces/${namespace}/pods`, pod(namespace, i)),
    );
    console.log(
      `  ${namespace}: ${PODS_PER_NAMESPACE} pods (${((performance.now() - started) / 1000).toFixed(0)} s)`,
    );
  }
}

async function main(): Promise<void> {
  const { endpoint } = await endpointFromKubeconfig({ kubeconfig: process.env.KUBECONFIG });
  const client = new KubeClient(endpoint, {}, undefined, 120_000);
  console.log(`filling the cluster: ${NAMESPACES * PODS_PER_NAMESPACE} pods`);
  await populate(client);

  const collection = await new SnapshotCollector(client).collect();
  const snapshot: Snapshot = collection.snapshot;
  const pods = snapshot.objects.filter((o) => o.kind === 'Pod').length;
  console.log(
    `collected ${snapshot.objects.length} objects (${pods} pods, ${snapshot.events?.length ?? 0} events) in ${collection.durationMs} ms`,
  );
  client.close();

  const gc = (globalThis as { gc?: () => void }).gc;
  gc?.();
  const heapBefore = process.memoryUsage().heapUsed;
  const times: number[] = [];
  let result = runInspection(snapshot);
  for (let i = 0; i < 3; i++) {
    const t0 = performance.now();
    result = runInspection(snapshot);
    times.push(performance.now() - t0);
  }
  const heapWithResult = process.memoryUsage().heapUsed;
  gc?.();
  const retained = process.memoryUsage().heapUsed - heapBefore;
  const best = Math.min(...times);
  const worst = Math.max(...times);
  console.log(
    `rule phase: best ${best.toFixed(0)} ms, worst ${worst.toFixed(0)} ms over ${times.length} runs (limit ${RULE_PHASE_LIMIT_MS} ms)`,
  );
  console.log(
    `findings: ${result.findings.length} (${Object.entries(result.summary.bySeverity)
      .map(([s, n]) => `${n} ${s}`)
      .join(', ')}), rules ${result.rulesRun.length}, failed rules ${result.failures.length}`,
  );
  console.log(
    `memory: heap before rules ${mib(heapBefore)}, after rules ${mib(heapWithResult)} (+${mib(heapWithResult - heapBefore)} while running), retained by the result ${mib(retained)}, rss ${mib(process.memoryUsage().rss)}`,
  );
  if (pods < NAMESPACES * PODS_PER_NAMESPACE) {
    console.error(`only ${pods} pods collected`);
    process.exitCode = 1;
  }
  if (worst > RULE_PHASE_LIMIT_MS) {
    console.error(
      `the rule phase took ${worst.toFixed(0)} ms, over the ${RULE_PHASE_LIMIT_MS} ms limit`,
    );
    process.exitCode = 1;
  }
}

await main();
