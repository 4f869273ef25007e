import type { FastifyInstance } from 'fastify';
import * as k8s from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  adminKubeConfig,
  appendPodLog,
  createTestNamespace,
  deleteNamespace,
  waitFor,
} from '../../../../test/support/cluster.js';
import { buildApp } from '../../src/http/app.js';
import {
  auditEventsSince,
  auditMark,
  createPlatformIdentity,
  type PlatformIdentity,
} from './audit-log.js';
import { LiveClient } from './live-client.js';
import { adminCore, bindUser, kubeTestEnv, signIn, type KubeTestEnv } from './support.js';

describe('Secrets and pod logs are read as the user and audited', () => {
  let env: KubeTestEnv;
  let app: FastifyInstance;
  let mine: string;
  let other: string;
  let platform: PlatformIdentity;
  let auth: { authorization: string };
  let base: string;
  const unbinds: Array<() => Promise<void>> = [];

  beforeAll(async () => {
    [mine, other] = await Promise.all([
      createTestNamespace('m7-mine'),
      createTestNamespace('m7-other'),
    ]);
    platform = await createPlatformIdentity(mine);
    env = await kubeTestEnv('local', platform.kubeconfig);
    app = await buildApp(env.ctx);
    base = await app.listen({ host: '127.0.0.1', port: 0 });
    auth = await signIn(env.ctx, 'secret-reader');
    const rbac = adminKubeConfig().makeApiClient(k8s.RbacAuthorizationV1Api);
    await rbac.createNamespacedRole({
      namespace: mine,
      body: {
        metadata: { name: 'read-secrets' },
        rules: [{ apiGroups: [''], resources: ['secrets'], verbs: ['get', 'list', 'watch'] }],
      },
    });
    await rbac.createNamespacedRoleBinding({
      namespace: mine,
      body: {
        metadata: { name: 'read-secrets' },
        roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'read-secrets' },
        subjects: [
          { kind: 'User', name: 'kubeops:secret-reader', apiGroup: 'rbac.authorization.k8s.io' },
        ],
      },
    });
    unbinds.push(await bindUser('secret-reader', 'view', mine));
    const core = adminCore();
    for (const namespace of [mine, other])
      await core.createNamespacedSecret({
        namespace,
        body: { metadata: { name: 'db' }, stringData: { password: `pw-${namespace}` } },
      });
    await core.createNamespacedPod({
      namespace: mine,
      body: { metadata: { name: 'app' }, spec: { containers: [{ name: 'c', image: 'busybox' }] } },
    });
  });

  afterAll(async () => {
    for (const unbind of unbinds) await unbind();
    await app?.close();
    await env?.close();
    await platform?.remove();
    await Promise.all([mine && deleteNamespace(mine), other && deleteNamespace(other)]);
  });

  const get = (url: string) => app.inject({ method: 'GET', url, headers: auth });
  const auditOf = (action: string) =>
    env.ctx.audit.query({ action, actor: 'secret-reader', limit: 50 });

  it("lists Secrets with the user's own LIST and WATCH, never the platform's", async () => {
    const mark = auditMark();
    const list = await get(
      `/api/v1/clusters/local/resources/core/v1/secrets?namespace=${mine}&include=objects`,
    );
    expect(list.statusCode).toBe(200);
    expect(list.json().items.map((i: { name: string }) => i.name)).toContain('db');
    const one = await get(`/api/v1/clusters/local/resources/core/v1/secrets/db?namespace=${mine}`);
    expect(one.statusCode).toBe(200);
    const elsewhere = await get(
      `/api/v1/clusters/local/resources/core/v1/secrets?namespace=${other}`,
    );
    expect(elsewhere.statusCode).toBe(403);
    expect(elsewhere.body).not.toContain(Buffer.from(`pw-${other}`).toString('base64'));

    const events = (await auditEventsSince(mark)).filter(
      (e) => e.user.username === platform.username && e.objectRef?.resource === 'secrets',
    );
    expect(events.filter((e) => !e.impersonatedUser).map((e) => e.requestURI)).toEqual([]);
    expect(
      events.some(
        (e) =>
          e.verb === 'list' &&
          e.impersonatedUser?.username === 'kubeops:secret-reader' &&
          e.objectRef?.namespace === mine,
      ),
    ).toBe(true);
  });

  it('writes every Secret read to the audit log with the actor', async () => {
    await get(`/api/v1/clusters/local/resources/core/v1/secrets?namespace=${mine}`);
    await get(`/api/v1/clusters/local/resources/core/v1/secrets/db?namespace=${mine}`);
    const lists = await auditOf('kube.secret.list');
    expect(lists.items[0]).toMatchObject({
      actor: 'secret-reader',
      result: 'success',
      target: { cluster: 'local', namespace: mine, kind: 'Secret' },
    });
    const gets = await auditOf('kube.secret.get');
    expect(gets.items[0]).toMatchObject({
      actor: 'secret-reader',
      target: { namespace: mine, kind: 'Secret', name: 'db' },
    });
    // A refused read is on record too.
    await get(`/api/v1/clusters/local/resources/core/v1/secrets/db?namespace=${other}`);
    const denied = await auditOf('kube.secret.get');
    expect(denied.items[0]).toMatchObject({ result: 'denied', target: { namespace: other } });
  });

  it('writes every pod log read to the audit log with the actor', async () => {
    appendPodLog(['m7 log line']);
    await waitFor('the pod to run', async () => {
      const pod = await adminCore().readNamespacedPod({ name: 'app', namespace: mine });
      return pod.status?.phase === 'Running';
    });
    const log = await get(`/api/v1/clusters/local/pods/${mine}/app/log?tailLines=5`);
    expect(log.statusCode).toBe(200);
    const entries = await auditOf('kube.logs.read');
    expect(entries.items[0]).toMatchObject({
      actor: 'secret-reader',
      result: 'success',
      target: { cluster: 'local', namespace: mine, kind: 'Pod', name: 'app' },
    });
  });

  it('watches Secrets over the live socket as the user, and audits the subscription', async () => {
    const mark = auditMark();
    const live = await LiveClient.connect(base, auth.authorization.slice('Bearer '.length));
    try {
      const subscribe = { type: 'subscribe', cluster: 'local', group: 'core', version: 'v1' };
      live.send({ ...subscribe, id: 'mine', resource: 'secrets', namespace: mine });
      const snapshot = await live.next((m) => m.type === 'snapshot' && m.id === 'mine');
      expect(snapshot.items?.map((i) => i.name)).toContain('db');
      live.send({ ...subscribe, id: 'other', resource: 'secrets', namespace: other });
      expect(await live.next((m) => m.id === 'other')).toMatchObject({ type: 'error' });
    } finally {
      live.close();
    }
    const events = (await auditEventsSince(mark)).filter(
      (e) => e.user.username === platform.username && e.objectRef?.resource === 'secrets',
    );
    expect(events.filter((e) => !e.impersonatedUser).map((e) => e.requestURI)).toEqual([]);
    const watches = await auditOf('kube.secret.watch');
    expect(watches.items.map((e) => [e.result, e.target.namespace]).sort()).toEqual(
      [
        ['denied', other],
        ['success', mine],
      ].sort(),
    );
  });
});
