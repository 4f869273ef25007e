import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ChangePage, ObjectChange } from '@kubeops/contracts';
import { createTestNamespace, deleteNamespace, waitFor } from '../../../../test/support/cluster.js';
import { buildApp } from '../../src/http/app.js';
import { changeCaptureComponent, changeCaptureOf } from '../../src/cdc/cdc-module.js';
import { adminCore, bindUser, kubeTestEnv, signIn, type KubeTestEnv } from '../kube/support.js';

/**
 * api and cdc in one process (the `all` target): the capture rides on the
 * resource cache's watches, and the history routes answer as the cluster's
 * RBAC lets each user get the objects now.
 */
describe('change history through the API (api and cdc in one process)', () => {
  let env: KubeTestEnv;
  let app: FastifyInstance;
  let mine: string;
  let other: string;
  let viewer: { authorization: string };
  let editor: { authorization: string };
  let stop: () => Promise<void>;
  const unbinds: Array<() => Promise<void>> = [];

  beforeAll(async () => {
    env = await kubeTestEnv('local', undefined, {
      KUBEOPS_CDC_CLUSTERS: JSON.stringify({ local: { include: ['configmaps', 'secrets'] } }),
      KUBEOPS_CDC_FLUSH_MILLISECONDS: '20',
    });
    app = await buildApp(env.ctx);
    [mine, other] = await Promise.all([
      createTestNamespace('hist-mine'),
      createTestNamespace('hist-other'),
    ]);
    viewer = await signIn(env.ctx, 'hist-viewer', 'developer');
    editor = await signIn(env.ctx, 'hist-editor', 'developer');
    unbinds.push(await bindUser('hist-viewer', 'view', mine));
    unbinds.push(await bindUser('hist-editor', 'admin', mine));
    stop = await changeCaptureComponent.start(env.ctx);
    const core = adminCore();
    for (const namespace of [mine, other]) {
      await core.createNamespacedConfigMap({
        namespace,
        body: { metadata: { name: 'settings' }, data: { level: 'info' } },
      });
    }
    await core.createNamespacedSecret({
      namespace: mine,
      body: { metadata: { name: 'db' }, stringData: { password: 'hunter2-history' } },
    });
  });

  afterAll(async () => {
    await stop?.();
    for (const unbind of unbinds) await unbind();
    await Promise.all([mine && deleteNamespace(mine), other && deleteNamespace(other)]);
    await app?.close();
    await env?.close();
  });

  const get = (url: string, who: { authorization: string }) =>
    app.inject({ method: 'GET', url, headers: who });
  const historyOf = (namespace: string, name: string, who = viewer, resource = 'configmaps') =>
    get(`/api/v1/clusters/local/history/core/${resource}/${name}?namespace=${namespace}`, who);

  it('shares the resource cache watch and still knows who changed what', async () => {
    // The change goes through KubeOps as the editor: the history names the KubeOps user and the audit entry.
    await waitFor('the created ConfigMap in the history', async () => {
      const res = await historyOf(mine, 'settings');
      return res.statusCode === 200 && (res.json() as ChangePage).items.length > 0;
    });
    const patch = await app.inject({
      method: 'PATCH',
      url: `/api/v1/clusters/local/resources/core/v1/configmaps/settings?namespace=${mine}`,
      headers: editor,
      payload: { type: 'merge', patch: { data: { level: 'debug' } } },
    });
    expect(patch.statusCode).toBe(200);
    const updated = await waitFor('the update in the history', async () => {
      const items = (((await historyOf(mine, 'settings')).json() as ChangePage).items ??
        []) as ObjectChange[];
      return items.find((c) => c.type === 'updated' && c.kubeops);
    });
    expect(updated.patch).toEqual([{ op: 'replace', path: '/data/level', value: 'debug' }]);
    expect(updated.fieldManagers.map((m) => m.manager)).toEqual(['kubeops']);
    expect(updated.kubeops).toMatchObject({ user: 'hist-editor', action: 'kube.patch' });
    expect(updated.seenAtRelist).toBe(false);

    const live = await (
      await import('../../src/kube/kube-module.js')
    )
      .kubeModuleOf(env.ctx)
      .clusters.get('local');
    const cache = live.cache(await live.discovery.resolve('', 'v1', 'configmaps'));
    expect(cache.listCount).toBe(1);
    expect(changeCaptureOf(env.ctx)!.clusters.get('local')!.resources.sort()).toEqual([
      'configmaps',
      'secrets',
    ]);

    const diff = await get(
      `/api/v1/clusters/local/history/core/configmaps/settings/diff?namespace=${mine}&from=1&to=2`,
      viewer,
    );
    expect(diff.statusCode).toBe(200);
    expect(diff.json().patch).toEqual([{ op: 'replace', path: '/data/level', value: 'debug' }]);
    const asOf = await get(
      `/api/v1/clusters/local/history/core/configmaps/settings/as-of?namespace=${mine}&time=${new Date(Date.parse(updated.observedAt) - 1).toISOString()}`,
      viewer,
    );
    expect(asOf.statusCode).toBe(200);
    expect(asOf.json().object.data).toEqual({ level: 'info' });
  });

  it('names the KubeOps user of an apply, which lists its objects in the audit entry', async () => {
    const apply = await app.inject({
      method: 'POST',
      url: '/api/v1/clusters/local/apply',
      headers: editor,
      payload: {
        namespace: mine,
        manifest: 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: applied\ndata:\n  a: "1"\n',
      },
    });
    expect(apply.statusCode).toBe(200);
    const created = await waitFor('the applied ConfigMap in the history', async () => {
      const items = ((await historyOf(mine, 'applied')).json() as ChangePage).items ?? [];
      return items.find((c) => c.type === 'created' && c.kubeops);
    });
    expect(created.kubeops).toMatchObject({ user: 'hist-editor', action: 'kube.apply' });
  });

  it('shows a user only the history of what they may get now', async () => {
    await waitFor('the other namespace in the history', async () => {
      const res = await historyOf(other, 'settings', editor);
      return res.statusCode === 403;
    });
    const elsewhere = await historyOf(other, 'settings');
    expect(elsewhere.statusCode).toBe(403);
    expect(elsewhere.json()).toMatchObject({ code: 'history_forbidden' });
    const scope = await get(
      `/api/v1/history/changes?clusters=local&namespaces=${mine},${other}&limit=500`,
      viewer,
    );
    expect(scope.statusCode).toBe(200);
    const seen = (scope.json() as ChangePage).items;
    expect(seen.length).toBeGreaterThan(0);
    // view covers ConfigMaps but not Secrets, and only in the bound namespace.
    expect(new Set(seen.map((c) => `${c.namespace}/${c.resource}`))).toEqual(
      new Set([`${mine}/configmaps`]),
    );
    // By actor: the KubeOps user, or a field manager.
    for (const actor of ['hist-editor', 'kubeops']) {
      const byActor = await get(
        `/api/v1/history/changes?clusters=local&namespaces=${mine}&actor=${actor}`,
        viewer,
      );
      expect((byActor.json() as ChangePage).items.map((c) => [c.name, c.type])).toEqual([
        ['applied', 'created'],
        ['settings', 'updated'],
      ]);
    }
    const counts = await get(
      `/api/v1/history/counts?clusters=local&namespaces=${mine}&bucket=minute`,
      viewer,
    );
    expect(counts.statusCode).toBe(200);
    expect(
      counts.json().items.reduce((s: number, i: { created: number }) => s + i.created, 0),
    ).toBeGreaterThan(0);
  });

  it('keeps Secret history for those who may get Secrets, without the values', async () => {
    expect((await historyOf(mine, 'db', viewer, 'secrets')).statusCode).toBe(403);
    const res = await waitFor(
      'the Secret in the history',
      async () => {
        const r = await historyOf(mine, 'db', editor, 'secrets');
        return r.statusCode === 200 && (r.json() as ChangePage).items.length > 0 && r;
      },
      30_000,
    ).catch(async (error: unknown) => {
      const r = await historyOf(mine, 'db', editor, 'secrets');
      const { rows } = await env.ctx.db.query(
        `SELECT namespace, name, type FROM cdc_changes WHERE resource = 'secrets' AND namespace = $1`,
        [mine],
      );
      throw new Error(
        `${String(error)}: ${r.statusCode} ${r.body} stored: ${JSON.stringify(rows)}`,
      );
    });
    expect(res.body).not.toContain('hunter2-history');
    expect(res.body).not.toContain(Buffer.from('hunter2-history').toString('base64'));
    expect(res.json().items[0].snapshot.data.password).toMatch(/^hmac-sha256:/);
  });

  it('validates its input and documents the published event', async () => {
    const bad = await get('/api/v1/history/changes?cursor=nope', viewer);
    expect(bad.statusCode).toBe(400);
    expect(bad.json().details).toMatchObject({ field: 'query.cursor' });
    const badTime = await get(
      `/api/v1/clusters/local/history/core/configmaps/settings/as-of?namespace=${mine}&time=yesterday`,
      viewer,
    );
    expect(badTime.statusCode).toBe(400);
    const spec = (await app.inject({ method: 'GET', url: '/api/openapi.json' })).json() as {
      components: { schemas: Record<string, unknown> };
      paths: Record<string, unknown>;
    };
    expect(Object.keys(spec.components.schemas)).toContain('ChangeCloudEvent');
    expect(Object.keys(spec.paths)).toContain('/api/v1/history/changes');
  });
});
