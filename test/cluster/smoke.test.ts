import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as k8s from '@kubernetes/client-node';
import pg from 'pg';
import { connect } from 'nats';
import {
  adminKubeConfig,
  appendPodLog,
  createNamespacedUser,
  createTestNamespace,
  deleteNamespace,
  tokenKubeConfig,
  waitFor,
} from '../support/cluster.js';

// The ground every other test stands on: a real control plane with kwok nodes,
// the failure stages, logs and exec from kwok, RBAC, PostgreSQL and NATS.
describe('local test environment', () => {
  const kc = adminKubeConfig();
  const core = kc.makeApiClient(k8s.CoreV1Api);
  const apps = kc.makeApiClient(k8s.AppsV1Api);
  let ns: string;
  let other: string;

  beforeAll(async () => {
    ns = await createTestNamespace('smoke');
    other = await createTestNamespace('smoke-other');
  });
  afterAll(async () => {
    await deleteNamespace(ns);
    await deleteNamespace(other);
  });

  const podSpec = (labels: Record<string, string>): k8s.V1PodTemplateSpec => ({
    metadata: { labels },
    spec: { containers: [{ name: 'app', image: 'registry.example/app:1.0' }] },
  });

  it('runs a 3-replica Deployment as 3 Running pods on fake nodes', async () => {
    await apps.createNamespacedDeployment({
      namespace: ns,
      body: {
        metadata: { name: 'web' },
        spec: {
          replicas: 3,
          selector: { matchLabels: { app: 'web' } },
          template: podSpec({ app: 'web' }),
        },
      },
    });
    const running = await waitFor('3 running pods', async () => {
      const pods = await core.listNamespacedPod({ namespace: ns, labelSelector: 'app=web' });
      const up = pods.items.filter((p) => p.status?.phase === 'Running');
      return up.length === 3 && up;
    });
    for (const pod of running) expect(pod.spec?.nodeName).toMatch(/^kwok-node-/);
    await waitFor('the Deployment to report 3 available replicas', async () => {
      const d = await apps.readNamespacedDeployment({ name: 'web', namespace: ns });
      return d.status?.availableReplicas === 3;
    });
  });

  it('serves pod logs from the file the test controls', async () => {
    const pods = await core.listNamespacedPod({ namespace: ns, labelSelector: 'app=web' });
    const pod = pods.items[0]!.metadata!.name!;
    const marker = `smoke-log-line ${Date.now()}`;
    appendPodLog([marker]);
    const log = await waitFor('the marker in the pod log', async () => {
      const text = await core.readNamespacedPodLog({ name: pod, namespace: ns, container: 'app' });
      return text.includes(marker) && text;
    });
    expect(log).toContain(marker);
  });

  it('runs exec as a local command in a directory the test controls', () => {
    const kubectl = join(process.env.KUBEOPS_TEST_BIN_DIR!, 'kubectl');
    const pod = execFileSync(
      kubectl,
      [
        '--kubeconfig',
        process.env.KUBEOPS_TEST_KUBECONFIG!,
        '-n',
        ns,
        'get',
        'pods',
        '-l',
        'app=web',
        '-o',
        'jsonpath={.items[0].metadata.name}',
      ],
      { encoding: 'utf8' },
    );
    const out = execFileSync(
      kubectl,
      [
        '--kubeconfig',
        process.env.KUBEOPS_TEST_KUBECONFIG!,
        '-n',
        ns,
        'exec',
        pod,
        '--',
        'sh',
        '-c',
        'echo "exec:$KUBEOPS_TEST_EXEC"',
      ],
      { encoding: 'utf8' },
    );
    expect(out.trim()).toBe('exec:1');
  });

  it('makes a pod labelled for CrashLoopBackOff crash with a growing restart count', async () => {
    await core.createNamespacedPod({
      namespace: ns,
      body: {
        metadata: { name: 'crasher', labels: { 'kubeops.io/test-fault': 'crashloop' } },
        spec: podSpec({}).spec!,
      },
    });
    const status = async () =>
      (await core.readNamespacedPod({ name: 'crasher', namespace: ns })).status
        ?.containerStatuses?.[0];
    const first = await waitFor('CrashLoopBackOff', async () => {
      const s = await status();
      return s?.state?.waiting?.reason === 'CrashLoopBackOff' && s;
    });
    expect(first.lastState?.terminated?.exitCode).toBe(1);
    await waitFor(
      'a higher restart count',
      async () => (await status())!.restartCount > first.restartCount,
    );
  });

  it('makes a pod labelled to fail end in phase Failed', async () => {
    await core.createNamespacedPod({
      namespace: ns,
      body: {
        metadata: { name: 'failer', labels: { 'kubeops.io/test-fault': 'failed' } },
        spec: podSpec({}).spec!,
      },
    });
    const pod = await waitFor('phase Failed', async () => {
      const p = await core.readNamespacedPod({ name: 'failer', namespace: ns });
      return p.status?.phase === 'Failed' && p;
    });
    expect(pod.status?.containerStatuses?.[0]?.state?.terminated?.exitCode).toBe(1);
  });

  it('refuses a namespace-bound user outside its namespace (403 from the cluster)', async () => {
    const user = await createNamespacedUser('alice', ns);
    const asUser = user.kubeConfig.makeApiClient(k8s.CoreV1Api);
    const own = await asUser.listNamespacedPod({ namespace: ns });
    expect(own.items.length).toBeGreaterThan(0);
    await expect(asUser.listNamespacedPod({ namespace: other })).rejects.toMatchObject({
      code: 403,
    });
    await expect(asUser.listNamespacedSecret({ namespace: other })).rejects.toMatchObject({
      code: 403,
    });
  });

  it('gives tests an admin bearer token for the API server', async () => {
    const asAdmin = tokenKubeConfig(process.env.KUBEOPS_TEST_ADMIN_TOKEN!).makeApiClient(
      k8s.CoreV1Api,
    );
    const nodes = await asAdmin.listNode();
    expect(nodes.items.map((n) => n.metadata?.name)).toContain('kwok-node-0');
  });

  it('connects to PostgreSQL', async () => {
    const client = new pg.Client({ connectionString: process.env.KUBEOPS_TEST_DATABASE_URL });
    await client.connect();
    try {
      const { rows } = await client.query<{ version: string }>('SELECT version()');
      expect(rows[0]!.version).toMatch(/^PostgreSQL/);
    } finally {
      await client.end();
    }
  });

  it('connects to NATS with JetStream', async () => {
    const nc = await connect({ servers: process.env.KUBEOPS_TEST_NATS_URL });
    try {
      const jsm = await nc.jetstreamManager();
      const stream = `SMOKE_${Date.now()}`;
      await jsm.streams.add({ name: stream, subjects: [`${stream}.>`] });
      const ack = await nc.jetstream().publish(`${stream}.hello`, new TextEncoder().encode('hi'));
      expect(ack.seq).toBe(1);
      await jsm.streams.delete(stream);
    } finally {
      await nc.close();
    }
  });
});
