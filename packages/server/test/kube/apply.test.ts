import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestNamespace, deleteNamespace } from '../../../../test/support/cluster.js';
import { buildApp } from '../../src/http/app.js';
import { adminCore, bindUser, kubeTestEnv, signIn, type KubeTestEnv } from './support.js';

describe('changes made as the user', () => {
  let env: KubeTestEnv;
  let app: FastifyInstance;
  let namespace: string;
  let auth: { authorization: string };
  let unbind: () => Promise<void>;

  beforeAll(async () => {
    env = await kubeTestEnv();
    app = await buildApp(env.ctx);
    namespace = await createTestNamespace('apply');
    auth = await signIn(env.ctx, 'editor', 'developer');
    unbind = await bindUser('editor', 'edit', namespace);
  });

  afterAll(async () => {
    await unbind?.();
    await deleteNamespace(namespace);
    await app?.close();
    await env?.close();
  });

  const apply = (manifest: string, dryRun = false) =>
    app.inject({
      method: 'POST',
      url: '/api/v1/clusters/local/apply',
      headers: auth,
      payload: { manifest, namespace, dryRun },
    });

  it('reports exactly which document of three failed and why, and applies the others', async () => {
    const manifest = [
      'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: first\ndata:\n  a: "1"',
      'apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: broken\nspec:\n  replicas: -3\n  selector:\n    matchLabels: {app: x}\n  template:\n    metadata:\n      labels: {app: x}\n    spec:\n      containers: [{name: c, image: nginx}]',
      'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: third\ndata:\n  b: "2"',
    ].join('\n---\n');
    const res = await apply(manifest);
    expect(res.statusCode).toBe(422);
    const body = res.json();
    expect(body.ok).toBe(false);
    expect(body.documents.map((d: { index: number; ok: boolean }) => [d.index, d.ok])).toEqual([
      [0, true],
      [1, false],
      [2, true],
    ]);
    expect(body.documents[1]).toMatchObject({
      kind: 'Deployment',
      name: 'broken',
      error: { code: 'kube_invalid', status: 422, field: 'spec.replicas' },
    });
    expect(body.documents[1].error.message).toContain('spec.replicas: Invalid value: -3');
    const core = adminCore();
    await expect(core.readNamespacedConfigMap({ name: 'first', namespace })).resolves.toBeTruthy();
    await expect(core.readNamespacedConfigMap({ name: 'third', namespace })).resolves.toBeTruthy();
    const audit = await env.ctx.audit.query({ action: 'kube.apply' });
    expect(audit.items[0]).toMatchObject({
      actor: 'editor',
      result: 'failure',
      target: { cluster: 'local', namespace },
    });
  });

  it('a dry run returns the diff without changing anything', async () => {
    const res = await apply(
      'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: first\ndata:\n  a: "2"',
      true,
    );
    expect(res.statusCode).toBe(200);
    expect(res.json().documents[0]).toMatchObject({
      ok: true,
      action: 'configured',
      diff: [{ op: 'replace', path: '/data/a', from: '1', to: '2' }],
    });
    const stored = await adminCore().readNamespacedConfigMap({ name: 'first', namespace });
    expect(stored.data?.a).toBe('1');
  });

  it('patches, scales, restarts and undoes a rollout, each as the user', async () => {
    const deployment =
      'apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  replicas: 1\n  selector:\n    matchLabels: {app: web}\n  template:\n    metadata:\n      labels: {app: web}\n    spec:\n      containers: [{name: c, image: "nginx:1.26"}]';
    expect((await apply(deployment)).json().documents[0]).toMatchObject({
      ok: true,
      action: 'created',
    });
    const base = `/api/v1/clusters/local/resources/apps/v1/deployments/web`;
    const patch = await app.inject({
      method: 'PATCH',
      url: `${base}?namespace=${namespace}`,
      headers: auth,
      payload: {
        type: 'strategic',
        patch: {
          spec: { template: { spec: { containers: [{ name: 'c', image: 'nginx:1.27' }] } } },
        },
      },
    });
    expect(patch.statusCode).toBe(200);
    expect(patch.json().diff).toContainEqual({
      op: 'replace',
      path: '/spec/template/spec/containers/0/image',
      from: 'nginx:1.26',
      to: 'nginx:1.27',
    });
    const scale = await app.inject({
      method: 'POST',
      url: `${base}/scale?namespace=${namespace}`,
      headers: auth,
      payload: { replicas: 3, dryRun: true },
    });
    expect(scale.json().diff).toContainEqual({
      op: 'replace',
      path: '/spec/replicas',
      from: 1,
      to: 3,
    });
    const restart = await app.inject({
      method: 'POST',
      url: `${base}/restart?namespace=${namespace}`,
      headers: auth,
      payload: {},
    });
    expect(restart.statusCode).toBe(200);
    expect(restart.json().diff.map((d: { path: string }) => d.path)).toContain(
      '/spec/template/metadata/annotations',
    );
    // Wait for the controller to record both revisions, then roll back to the previous template.
    const apps = `/api/v1/clusters/local/resources/apps/v1/replicasets?namespace=${namespace}`;
    for (let i = 0; i < 100; i++) {
      if ((await app.inject({ method: 'GET', url: apps, headers: auth })).json().total >= 3) break;
      await new Promise((r) => setTimeout(r, 200));
    }
    const undo = await app.inject({
      method: 'POST',
      url: `${base}/undo?namespace=${namespace}`,
      headers: auth,
      payload: {},
    });
    expect(undo.statusCode).toBe(200);
    expect(undo.json().diff.map((d: { path: string }) => d.path)).toContain(
      '/spec/template/metadata/annotations',
    );
    const del = await app.inject({
      method: 'DELETE',
      url: `${base}?namespace=${namespace}&propagationPolicy=Foreground&dryRun=true`,
      headers: auth,
    });
    expect(del.statusCode).toBe(200);
    expect(del.json().diff).toEqual([expect.objectContaining({ op: 'remove', path: '/' })]);
  });

  it('deletes with the propagation policy asked for, and the next call on the connection still works', async () => {
    const deployment =
      'apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: orphaner\nspec:\n  replicas: 1\n  selector:\n    matchLabels: {app: orphaner}\n  template:\n    metadata:\n      labels: {app: orphaner}\n    spec:\n      containers: [{name: c, image: "nginx:1.27"}]';
    const configmaps =
      'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: gone-1\n---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: gone-2';
    expect((await apply(`${deployment}\n---\n${configmaps}`)).statusCode).toBe(200);
    const replicaSets = async () =>
      (
        await app.inject({
          method: 'GET',
          url: `/api/v1/clusters/local/resources/apps/v1/replicasets?namespace=${namespace}&labelSelector=app%3Dorphaner`,
          headers: auth,
        })
      ).json().items as Array<{ name: string }>;
    for (let i = 0; i < 100 && (await replicaSets()).length === 0; i++)
      await new Promise((r) => setTimeout(r, 200));
    expect(await replicaSets()).toHaveLength(1);
    const remove = (path: string) =>
      app.inject({
        method: 'DELETE',
        url: `/api/v1/clusters/local/resources/${path}`,
        headers: auth,
      });
    // Each DELETE carries a body (the options); the API server must not read it as the next request.
    expect(
      (await remove(`apps/v1/deployments/orphaner?namespace=${namespace}&propagationPolicy=Orphan`))
        .statusCode,
    ).toBe(200);
    expect((await remove(`core/v1/configmaps/gone-1?namespace=${namespace}`)).statusCode).toBe(200);
    expect((await remove(`core/v1/configmaps/gone-2?namespace=${namespace}`)).statusCode).toBe(200);
    // Orphan: the Deployment is gone, its ReplicaSet stays.
    await new Promise((r) => setTimeout(r, 1500));
    expect(await replicaSets()).toHaveLength(1);
  });

  it('answers a YAML alias bomb with a 400 invalid_yaml for that document, and applies the others', async () => {
    // "Billion laughs": nine levels of nine aliases expand to 9^9 strings.
    const levels = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]'];
    for (let i = 1; i < 9; i++) {
      const prev = String.fromCharCode(96 + i);
      const name = String.fromCharCode(97 + i);
      levels.push(`${name}: &${name} [${Array(9).fill(`*${prev}`).join(',')}]`);
    }
    const bomb = `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: bomb\n${levels.join('\n')}`;
    const fine = 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: after-bomb\ndata: {a: "1"}';
    const started = Date.now();
    const res = await apply(`${bomb}\n---\n${fine}`);
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(res.statusCode).toBe(422);
    expect(res.json().documents).toEqual([
      expect.objectContaining({
        index: 0,
        ok: false,
        error: expect.objectContaining({ code: 'invalid_yaml', status: 400 }),
      }),
      expect.objectContaining({ index: 1, ok: true, name: 'after-bomb' }),
    ]);
  });
});
