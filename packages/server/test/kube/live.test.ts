import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestNamespace, deleteNamespace } from '../../../../test/support/cluster.js';
import { buildApp } from '../../src/http/app.js';
import { LiveClient } from './live-client.js';
import { adminCore, bindUser, kubeTestEnv, signIn, type KubeTestEnv } from './support.js';

const pod = (name: string, labels: Record<string, string> = {}) => ({
  metadata: { name, labels },
  spec: { containers: [{ name: 'c', image: 'busybox:1.36' }] },
});

describe('live subscriptions over /api/v1/ws', () => {
  let env: KubeTestEnv;
  let app: FastifyInstance;
  let base: string;
  let namespace: string;
  let token: string;
  let unbind: () => Promise<void>;

  beforeAll(async () => {
    env = await kubeTestEnv();
    app = await buildApp(env.ctx);
    base = await app.listen({ host: '127.0.0.1', port: 0 });
    namespace = await createTestNamespace('live');
    token = (await signIn(env.ctx, 'watcher')).authorization.slice('Bearer '.length);
    unbind = await bindUser('watcher', 'view', namespace);
    await adminCore().createNamespacedPod({ namespace, body: pod('before', { app: 'web' }) });
  });

  afterAll(async () => {
    await unbind?.();
    await deleteNamespace(namespace);
    await app?.close();
    await env?.close();
  });

  const subscribe = {
    type: 'subscribe',
    cluster: 'local',
    group: 'core',
    version: 'v1',
    resource: 'pods',
  };

  it('sends a snapshot, then coalesced deltas of matching objects only', async () => {
    const client = await LiveClient.connect(base, token);
    client.send({ ...subscribe, id: 'web', namespace, labelSelector: 'app=web' });
    const snapshot = await client.next((m) => m.type === 'snapshot');
    expect(snapshot.items?.map((i) => i.name)).toEqual(['before']);
    const core = adminCore();
    await core.createNamespacedPod({ namespace, body: pod('other', { app: 'db' }) });
    await core.createNamespacedPod({ namespace, body: pod('after', { app: 'web' }) });
    const delta = await client.next(
      (m) => m.type === 'delta' && !!m.changes?.some((c) => c.row.name === 'after'),
    );
    expect(delta.changes?.every((c) => c.row.labels.app === 'web')).toBe(true);
    // Relabelling out of the selector is a deletion for this view.
    await core.patchNamespacedPod({
      name: 'after',
      namespace,
      body: [{ op: 'replace', path: '/metadata/labels/app', value: 'db' }],
    });
    await client.next(
      (m) =>
        m.type === 'delta' &&
        !!m.changes?.some((c) => c.row.name === 'after' && c.type === 'DELETED'),
    );
    client.close();
  });

  it('resumes after a reconnect with only what was missed', async () => {
    const first = await LiveClient.connect(base, token);
    first.send({ ...subscribe, id: 'all', namespace });
    const snapshot = await first.next((m) => m.type === 'snapshot');
    first.close();
    const core = adminCore();
    await core.createNamespacedPod({ namespace, body: pod('while-away') });
    await core.deleteNamespacedPod({ name: 'before', namespace });
    await new Promise((r) => setTimeout(r, 500));
    const second = await LiveClient.connect(base, token);
    second.send({ ...subscribe, id: 'all', namespace, resourceVersion: snapshot.resourceVersion });
    const resume = await second.next((m) => m.type === 'resume' || m.type === 'snapshot');
    expect(resume.type).toBe('resume');
    const byName = new Map(resume.changes?.map((c) => [c.row.name, c.type]));
    expect(byName.get('while-away')).toBe('ADDED');
    expect(byName.get('before')).toBe('DELETED');
    expect(byName.has('other')).toBe(false);
    second.close();
  });

  it('refuses a subscription the cluster would refuse, with its 403', async () => {
    const client = await LiveClient.connect(base, token);
    client.send({ ...subscribe, id: 'secrets', resource: 'secrets', namespace });
    const error = await client.next((m) => m.type === 'error');
    expect(error).toMatchObject({ id: 'secrets', code: 'kube_forbidden' });
    client.close();
  });
});
