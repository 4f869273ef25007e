import { execFileSync, spawn } from 'node:child_process';
import { connect } from 'node:net';
import { openSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitFor } from '../../../../test/support/cluster.js';
import { endpointOf, parseKubeconfig } from '../../src/clusters/kubeconfig.js';
import { buildApp } from '../../src/http/app.js';
import { KubeClient } from '../../src/kube/kube-client.js';
import { LiveClient } from './live-client.js';
import { flatKubeconfig, kubeTestEnv, signIn, type KubeTestEnv } from './support.js';

const repo = resolve(import.meta.dirname, '../../../..');
const NAME = 'kubeops-restart';
const NS = `restart-${Date.now().toString(36)}`;

function scriptEnv(script: string): Record<string, string> {
  const out = execFileSync('bash', [join(repo, 'test/cluster', script)], {
    cwd: repo,
    env: { ...process.env, KUBEOPS_TEST_CLUSTER_NAME: NAME },
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const file = out.trim().split('\n').pop()!;
  if (script !== 'up.sh') return {};
  return Object.fromEntries(
    readFileSync(file, 'utf8')
      .split('\n')
      .filter((l) => l.includes('='))
      .map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]),
  );
}

/** Whether nothing listens on a loopback port any more. */
function portRefuses(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(false);
    });
    socket.once('error', () => resolve(true));
  });
}

/** Kills this cluster's kube-apiserver (etcd and everything else keep running) and starts it again with the same command line. */
async function restartApiServer(clusterDir: string, admin: KubeClient): Promise<void> {
  // Found by its port, not its pid file, which is only as fresh as the last kwokctl start.
  const port = new URL(admin.endpoint.server).port;
  const pid = readdirSync('/proc')
    .filter((p) => /^\d+$/.test(p))
    .find((p) => {
      try {
        const cmd = readFileSync(`/proc/${p}/cmdline`, 'utf8');
        return cmd.includes('kube-apiserver') && cmd.includes(`--secure-port=${port}\0`);
      } catch {
        return false;
      }
    });
  if (!pid) throw new Error(`no kube-apiserver serving port ${port}`);
  const argv = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter(Boolean);
  // SIGKILL: the hard case, connections cut with no goodbye (a graceful stop also drains watches for a minute).
  process.kill(Number(pid), 'SIGKILL');
  // Gone, or a zombie nobody reaps (the cluster's processes are detached from their starter).
  await waitFor('the API server to exit', async () => {
    try {
      return readFileSync(`/proc/${pid}/stat`, 'utf8').split(' ')[2] === 'Z';
    } catch {
      return true;
    }
  });
  // A killed multi-threaded process can show as a zombie before its last thread
  // has let go of the listening socket: start again only once the port is free.
  await waitFor('the API server port to be free', () => portRefuses(Number(port)));
  const logFile = openSync(join(clusterDir, 'logs/kube-apiserver.log'), 'a');
  const child = spawn(argv[0]!, argv.slice(1), {
    cwd: clusterDir,
    detached: true,
    stdio: ['ignore', logFile, logFile],
  });
  child.unref();
  writeFileSync(join(clusterDir, 'pids/kube-apiserver.pid'), String(child.pid));
  try {
    await waitFor(
      'the API server to serve again',
      async () => (await admin.request<string>({ path: '/readyz', timeoutMs: 2000 })) === 'ok',
      120_000,
    );
  } catch (error) {
    // Why it did not come back is in its log, not in the refused connections.
    const log = readFileSync(join(clusterDir, 'logs/kube-apiserver.log'), 'utf8');
    throw new Error(
      `${String(error)}\nlast lines of kube-apiserver.log:\n${log.split('\n').slice(-15).join('\n')}`,
    );
  }
}

describe('the kube-apiserver restarting mid-watch (a cluster of its own)', () => {
  let cluster: Record<string, string>;
  let env: KubeTestEnv;
  let app: FastifyInstance;
  let admin: KubeClient;
  let base: string;
  let token: string;

  beforeAll(async () => {
    cluster = scriptEnv('up.sh');
    const kubeconfig = flatKubeconfig(cluster.KUBECONFIG);
    const parsed = parseKubeconfig(kubeconfig);
    admin = new KubeClient(endpointOf(parsed, parsed['current-context']!, NAME));
    env = await kubeTestEnv('restart', kubeconfig);
    app = await buildApp(env.ctx);
    base = await app.listen({ host: '127.0.0.1', port: 0 });
    token = (await signIn(env.ctx, 'restart-watcher')).authorization.slice(7);
    await admin
      .request({
        method: 'POST',
        path: '/apis/rbac.authorization.k8s.io/v1/clusterrolebindings',
        body: {
          metadata: { name: 'restart-watcher' },
          roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'view' },
          subjects: [
            {
              kind: 'User',
              name: 'kubeops:restart-watcher',
              apiGroup: 'rbac.authorization.k8s.io',
            },
          ],
        },
      })
      .catch(() => undefined);
    await admin
      .request({ method: 'POST', path: '/api/v1/namespaces', body: { metadata: { name: NS } } })
      .catch(() => undefined);
  });

  afterAll(async () => {
    await app?.close();
    await env?.close();
    admin?.close();
    if (process.env.KUBEOPS_KEEP_TEST_ENV !== '1') scriptEnv('down.sh');
  });

  const configMap = (name: string) => ({
    method: 'POST' as const,
    path: `/api/v1/namespaces/${NS}/configmaps`,
    body: { metadata: { name }, data: { v: name } },
  });

  it('resumes the watch from its resourceVersion: every change arrives, nothing is relisted or reloaded', async () => {
    for (let i = 0; i < 5; i++) await admin.request(configMap(`before-${i}`));
    const client = await LiveClient.connect(base, token);
    client.send({
      type: 'subscribe',
      id: 'cms',
      cluster: 'restart',
      group: 'core',
      version: 'v1',
      resource: 'configmaps',
      namespace: NS,
    });
    const snapshot = await client.next((m) => m.type === 'snapshot');
    expect(snapshot.items?.filter((i) => i.name.startsWith('before-'))).toHaveLength(5);
    const live = await env.kube.clusters.get('restart');
    const cache = live.cache(await live.resolve('core', 'v1', 'configmaps'));
    const listsBefore = cache.listCount;

    await restartApiServer(cluster.CLUSTER_DIR!, admin);
    // Changes made the moment the API server is back, while KubeOps is still reconnecting.
    for (let i = 0; i < 10; i++) await admin.request(configMap(`after-${i}`));
    await admin.request({ method: 'DELETE', path: `/api/v1/namespaces/${NS}/configmaps/before-0` });
    await admin.request({
      method: 'PUT',
      path: `/api/v1/namespaces/${NS}/configmaps/before-1`,
      body: { metadata: { name: 'before-1' }, data: { v: 'changed' } },
    });

    const received = new Map<string, string>();
    await waitFor(
      'every change on the socket',
      async () => {
        for (const m of client.messages)
          for (const c of m.changes ?? []) received.set(c.row.name, c.type);
        return received.size >= 12;
      },
      60_000,
    );
    expect(received.get('before-0')).toBe('DELETED');
    expect(received.get('before-1')).toBe('MODIFIED');
    for (let i = 0; i < 10; i++) expect(received.get(`after-${i}`)).toBe('ADDED');
    expect(client.messages.filter((m) => m.type === 'snapshot')).toHaveLength(1);
    expect(cache.listCount).toBe(listsBefore);
    expect(cache.status()).toMatchObject({ synced: true, stalenessMs: 0 });
    const names = [...cache.entries.values()]
      .filter((e) => e.namespace === NS)
      .map((e) => e.name)
      .sort();
    const truth = await admin.request<{ items: Array<{ metadata: { name: string } }> }>({
      path: `/api/v1/namespaces/${NS}/configmaps`,
    });
    expect(names).toEqual(truth.items.map((i) => i.metadata.name).sort());
    client.close();
  }, 240_000);
});
