import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createNamespacedUser,
  createTestNamespace,
  deleteNamespace,
  waitFor,
} from '../../../../test/support/cluster.js';
import { KubeOpsError } from '../../src/core/errors.js';
import { objectJson } from '../../src/kube/cache-entry.js';
import { LiveClusters } from '../../src/kube/live-clusters.js';
import {
  adminCore,
  bindUser,
  kubeTestEnv,
  principal,
  serverAndCa,
  type KubeTestEnv,
} from './support.js';

describe('resource cache and query API', () => {
  let env: KubeTestEnv;
  let namespace: string;
  let unbind: () => Promise<void>;
  const viewer = principal('cache-viewer');

  beforeAll(async () => {
    env = await kubeTestEnv();
    namespace = await createTestNamespace('cache');
    unbind = await bindUser('cache-viewer', 'view');
    const core = adminCore();
    await Promise.all(
      Array.from({ length: 30 }, (_, i) =>
        core.createNamespacedPod({
          namespace,
          body: {
            metadata: {
              name: `web-${String(i).padStart(2, '0')}`,
              labels: { app: i % 3 === 0 ? 'api' : 'web', tier: `t${i % 2}` },
            },
            spec: { containers: [{ name: 'c', image: 'nginx:1.27' }] },
          },
        }),
      ),
    );
  });

  afterAll(async () => {
    await unbind?.();
    await deleteNamespace(namespace);
    await env?.close();
  });

  it('serves filtered, sorted pages with cursors from the cache', async () => {
    const live = await env.kube.clusters.get('local');
    const pods = await live.resolve('core', 'v1', 'pods');
    const first = await live.query(viewer, pods, {
      namespace,
      labelSelector: 'app in (web),tier!=t1',
      sort: '-name',
      limit: 5,
    });
    const names = first.result.items.map((e) => e.name);
    expect(names).toEqual(['web-28', 'web-26', 'web-22', 'web-20', 'web-16']);
    expect(first.result.total).toBe(10);
    const second = await live.query(viewer, pods, {
      namespace,
      labelSelector: 'app in (web),tier!=t1',
      sort: '-name',
      limit: 5,
      cursor: first.result.nextCursor!,
    });
    expect(second.result.items.map((e) => e.name)).toEqual([
      'web-14',
      'web-10',
      'web-08',
      'web-04',
      'web-02',
    ]);
    expect(second.result.nextCursor).toBeNull();
    const text = await live.query(viewer, pods, { namespace, q: 'EB-0', limit: 100 });
    expect(text.result.total).toBe(10);
    expect(first.cache.columns.map((c) => c.name)).toEqual(
      expect.arrayContaining(['Ready', 'Status', 'Restarts', 'Node']),
    );
    expect(JSON.parse(objectJson(first.result.items[0]!)).metadata.managedFields).toBeUndefined();
  });

  it('sorts by printer columns and filters on fields, following changes without relisting', async () => {
    const live = await env.kube.clusters.get('local');
    const pods = await live.resolve('core', 'v1', 'pods');
    const { cache } = await live.query(viewer, pods, { namespace });
    const lists = cache.listCount;
    await waitFor('pods running', async () => {
      const page = await live.query(viewer, pods, {
        namespace,
        fieldSelector: 'Status=Running',
        limit: 100,
      });
      return page.result.total === 30;
    });
    await adminCore().deleteNamespacedPod({ name: 'web-00', namespace });
    await waitFor('deletion seen', async () => !cache.entries.has(`${namespace}/web-00`));
    const byNode = await live.query(viewer, pods, {
      namespace,
      sort: 'Node',
      fieldSelector: 'spec.nodeName!=',
      limit: 100,
    });
    const nodes = byNode.result.items.map((e) =>
      String(e.cells[byNode.cache.columns.findIndex((c) => c.name === 'Node')]),
    );
    expect(nodes).toEqual([...nodes].sort());
    expect(byNode.result.total).toBe(29);
    expect(cache.listCount).toBe(lists);
    expect(cache.status()).toMatchObject({ synced: true, stalenessMs: 0 });
  });

  it('stops a cache nobody used for the idle time, and starts it again on the next use', async () => {
    const clusters = new LiveClusters(
      env.kube.registry,
      (p, c) => env.ctx.impersonation(p, c),
      300,
    );
    try {
      const live = await clusters.get('local');
      const configmaps = await live.resolve('core', 'v1', 'configmaps');
      await live.query(viewer, configmaps, { namespace });
      const started = live.cacheCount();
      expect(started).toBeGreaterThan(0);
      await waitFor('the idle caches to stop', async () => live.cacheCount() < started, 10_000);
      const again = await live.query(viewer, configmaps, { namespace });
      expect(again.cache.status().synced).toBe(true);
    } finally {
      await clusters.close();
    }
  });

  it('fails at once, saying what to grant, when KubeOps’s own credentials may not list the resource', async () => {
    // A cluster registered with credentials that may read one namespace only: a cluster-wide cache can never fill.
    const limited = await createNamespacedUser('cache-limited', namespace, 'view');
    await env.kube.registry.register(
      { source: 'token', name: 'limited', ...serverAndCa(), token: limited.token },
      null,
    );
    const live = await env.kube.clusters.get('limited');
    const pods = await live.resolve('core', 'v1', 'pods');
    const started = Date.now();
    const error = await live.query(viewer, pods, { namespace }).catch((e: unknown) => e);
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(error).toBeInstanceOf(KubeOpsError);
    expect(error).toMatchObject({ code: 'cache_list_refused', status: 502 });
    expect((error as Error).message).toMatch(/403.*grant them list and watch/);
  });
});
