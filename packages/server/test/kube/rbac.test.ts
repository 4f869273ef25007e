import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestNamespace, deleteNamespace, waitFor } from '../../../../test/support/cluster.js';
import { buildApp } from '../../src/http/app.js';
import { adminCore, bindUser, kubeTestEnv, signIn, type KubeTestEnv } from './support.js';

describe('a user bound to one namespace', () => {
  let env: KubeTestEnv;
  let app: FastifyInstance;
  let mine: string;
  let other: string;
  let auth: { authorization: string };
  const unbinds: Array<() => Promise<void>> = [];

  beforeAll(async () => {
    env = await kubeTestEnv();
    app = await buildApp(env.ctx);
    [mine, other] = await Promise.all([
      createTestNamespace('rbac-mine'),
      createTestNamespace('rbac-other'),
    ]);
    auth = await signIn(env.ctx, 'nsuser', 'developer');
    unbinds.push(await bindUser('nsuser', 'view', mine));
    const core = adminCore();
    for (const namespace of [mine, other]) {
      await core.createNamespacedPod({
        namespace,
        body: {
          metadata: { name: 'p' },
          spec: { containers: [{ name: 'c', image: 'busybox:1.36' }] },
        },
      });
      await core.createNamespacedSecret({
        namespace,
        body: { metadata: { name: 's' }, stringData: { password: 'hunter2' } },
      });
    }
  });

  afterAll(async () => {
    for (const unbind of unbinds) await unbind();
    await Promise.all([mine && deleteNamespace(mine), other && deleteNamespace(other)]);
    await app?.close();
    await env?.close();
  });

  const get = (url: string) => app.inject({ method: 'GET', url, headers: auth });

  it('sees only its own namespace, even though it may not list namespaces', async () => {
    const res = await get('/api/v1/clusters/local/namespaces');
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ items: [mine], complete: false });
  });

  it('lists pods across "all namespaces" as only the pods of its namespace', async () => {
    const res = await get('/api/v1/clusters/local/resources/core/v1/pods?limit=1000');
    expect(res.statusCode).toBe(200);
    const namespaces = new Set(res.json().items.map((i: { namespace: string }) => i.namespace));
    expect([...namespaces]).toEqual([mine]);
  });

  it("gets the API server's 403 in another namespace", async () => {
    const list = await get(`/api/v1/clusters/local/resources/core/v1/pods?namespace=${other}`);
    expect(list.statusCode).toBe(403);
    expect(list.json()).toMatchObject({ code: 'kube_forbidden' });
    expect(list.json().message).toContain('kubeops:nsuser');
    const one = await get(`/api/v1/clusters/local/resources/core/v1/pods/p?namespace=${other}`);
    expect(one.statusCode).toBe(403);
    expect(one.json().message).toMatch(
      /pods "p" is forbidden: User "kubeops:nsuser" cannot get resource "pods"/,
    );
    const del = await app.inject({
      method: 'DELETE',
      url: `/api/v1/clusters/local/resources/core/v1/pods/p?namespace=${mine}`,
      headers: auth,
    });
    expect(del.statusCode).toBe(403);
  });

  it('cannot read Secrets, not even in its own namespace (view excludes them)', async () => {
    for (const namespace of [mine, other]) {
      const list = await get(
        `/api/v1/clusters/local/resources/core/v1/secrets?namespace=${namespace}`,
      );
      expect(list.statusCode).toBe(403);
      const one = await get(
        `/api/v1/clusters/local/resources/core/v1/secrets/s?namespace=${namespace}`,
      );
      expect(one.statusCode).toBe(403);
      expect(one.body).not.toContain('hunter2');
    }
  });

  it('gains a right as soon as the cluster grants it', async () => {
    unbinds.push(await bindUser('nsuser', 'view', other));
    await waitFor(
      'access to the other namespace',
      async () =>
        (await get(`/api/v1/clusters/local/resources/core/v1/pods?namespace=${other}`))
          .statusCode === 200,
      10_000,
    );
  });
});
