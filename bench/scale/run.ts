/**
 * npm run bench:scale
 *
 * Page-query throughput and latency of the scalable layout
 * (test/support/scale-layout.ts: api replicas, cdc and inspector as separate
 * processes behind HAProxy, over NATS) with one and with two api replicas,
 * and the load each layout puts on the API server: the lists and watches
 * KubeOps's caches (user agent kubeops/cache) sent while it was measured,
 * read from the API server's audit log. Uses the test environment (the
 * vitest global setup starts or reuses PostgreSQL, NATS and the local
 * cluster). The cluster is shared with whatever else runs: its audit log
 * counts their caches' requests too, so run it on a quiet machine.
 */
import { randomBytes } from 'node:crypto';
import { openSync, readSync, statSync, closeSync } from 'node:fs';
import { availableParallelism, loadavg } from 'node:os';
import * as k8s from '@kubernetes/client-node';
import setup from '../../test/setup/global-setup.js';
import {
  adminKubeConfig,
  createTestNamespace,
  deleteNamespace,
} from '../../test/support/cluster.js';
import { ADMIN_PASSWORD, ScaleLayout } from '../../test/support/scale-layout.js';
import { registerTestCluster, signIn, within } from '../../test/scale/api.js';
import { ms, percentile } from '../kube/stats.js';

const OBJECTS = Number(process.env.BENCH_OBJECTS ?? 500);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 8);
const MEASURE_MS = Number(process.env.BENCH_SECONDS ?? 10) * 1000;
const log = (line: string) => console.log(line);

/** Audit log lines appended since `offset`. */
function auditSince(file: string, offset: number): Array<Record<string, unknown>> {
  const size = statSync(file).size;
  if (size <= offset) return [];
  const fd = openSync(file, 'r');
  const buffer = Buffer.alloc(size - offset);
  readSync(fd, buffer, 0, buffer.length, offset);
  closeSync(fd);
  return buffer
    .toString('utf8')
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as Record<string, unknown>);
}

async function measure(replicas: number, namespace: string) {
  const auditLog = process.env.KUBEOPS_TEST_AUDIT_LOG!;
  const offset = statSync(auditLog).size;
  const layout = await ScaleLayout.start({
    bus: 'nats',
    apiReplicas: replicas,
    env: { KUBEOPS_LOG_LEVEL: 'warn', KUBEOPS_RATE_LIMIT_MAX: '1000000' },
  });
  try {
    const token = await signIn(layout.url, 'admin', ADMIN_PASSWORD);
    const cluster = `bench-${randomBytes(3).toString('hex')}`;
    await registerTestCluster(layout.url, token, cluster);
    const page = `${layout.url}/api/v1/clusters/${cluster}/resources/core/v1/configmaps?namespace=${namespace}&q=cm-1&sort=-name&limit=50`;
    const headers = { authorization: `Bearer ${token}` };
    for (const replica of layout.api)
      await within(60_000, `${replica.name} serves the page`, async () => {
        const r = await fetch(page.replace(layout.url, replica.url), { headers });
        await r.arrayBuffer();
        return r.ok;
      });
    const latencies: number[] = [];
    let failures = 0;
    const end = Date.now() + MEASURE_MS;
    await Promise.all(
      Array.from({ length: CONCURRENCY }, async () => {
        while (Date.now() < end) {
          const started = performance.now();
          const r = await fetch(page, { headers });
          await r.arrayBuffer();
          if (r.ok) latencies.push(performance.now() - started);
          else failures += 1;
        }
      }),
    );
    // One request per audit ID: a watch is logged when it starts, before it completes.
    const fromCaches = new Map<string, string>();
    for (const e of auditSince(auditLog, offset))
      if (String(e.userAgent ?? '').startsWith('kubeops/cache'))
        fromCaches.set(String(e.auditID), String(e.verb));
    const count = (verb: string) => [...fromCaches.values()].filter((v) => v === verb).length;
    return {
      replicas,
      perSecond: latencies.length / (MEASURE_MS / 1000),
      p50: percentile(latencies, 50),
      p95: percentile(latencies, 95),
      failures,
      lists: count('list'),
      watches: count('watch'),
      load: loadavg()[0]!,
    };
  } finally {
    await layout.stop();
  }
}

async function main() {
  const teardown = setup();
  const namespace = await createTestNamespace('bench-scale');
  const bindingName = `kubeops-bench-scale-${randomBytes(3).toString('hex')}`;
  const rbac = adminKubeConfig().makeApiClient(k8s.RbacAuthorizationV1Api);
  try {
    await rbac.createClusterRoleBinding({
      body: {
        metadata: { name: bindingName, labels: { 'kubeops.io/test': 'true' } },
        roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'view' },
        subjects: [{ kind: 'User', name: 'kubeops:admin', apiGroup: 'rbac.authorization.k8s.io' }],
      },
    });
    const core = adminKubeConfig().makeApiClient(k8s.CoreV1Api);
    for (let i = 0; i < OBJECTS; i += 25)
      await Promise.all(
        Array.from({ length: Math.min(25, OBJECTS - i) }, (_, j) =>
          core.createNamespacedConfigMap({
            namespace,
            body: { metadata: { name: `cm-${i + j}` }, data: { n: String(i + j) } },
          }),
        ),
      );
    log(
      `page: ${OBJECTS} ConfigMaps, filtered (q=cm-1), sorted (-name), 50 a page; ${CONCURRENCY} clients for ${MEASURE_MS / 1000} s through HAProxy; ${availableParallelism()} cores`,
    );
    for (const replicas of [1, 2]) {
      const r = await measure(replicas, namespace);
      log(
        `${r.replicas} api replica(s): ${r.perSecond.toFixed(0)} pages/s, p50 ${ms(r.p50)}, p95 ${ms(r.p95)}, ${r.failures} failed; API server: ${r.lists} lists, ${r.watches} watches from kubeops/cache (load average ${r.load.toFixed(1)})`,
      );
    }
  } finally {
    await rbac.deleteClusterRoleBinding({ name: bindingName }).catch(() => undefined);
    await deleteNamespace(namespace);
    teardown();
  }
}

await main();
