import { readFileSync } from 'node:fs';
import * as k8s from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  adminKubeConfig,
  createTestNamespace,
  deleteNamespace,
  waitFor,
} from '../../../test/support/cluster.js';
import { grantCovers, type Grant } from '../src/auth/authorizer.js';
import { startTestApp, type TestApp } from './support/app.js';
import { requiredEnv } from '../../../test/support/env.js';

/**
 * The proof of issue 3 against the real local cluster: a KubeOps viewer
 * bound to namespace A reaches the cluster as itself (impersonation), and the
 * cluster's own RBAC, granted to the group KubeOps derives from that binding,
 * is what lets it into A and keeps it out of B and out of Secrets.
 */

const CLUSTER = 'proof';
const PASSWORD = 'viewer-password-long-enough';

describe('a KubeOps viewer bound to one namespace, on the real cluster', () => {
  let t: TestApp;
  let admin: string;
  let viewer: string;
  let namespaceA: string;
  let namespaceB: string;
  const rbac = () => adminKubeConfig().makeApiClient(k8s.RbacAuthorizationV1Api);
  const core = () => adminKubeConfig().makeApiClient(k8s.CoreV1Api);

  beforeAll(async () => {
    t = await startTestApp('postgres');
    admin = (await t.login()).accessToken;
    [namespaceA, namespaceB] = await Promise.all([
      createTestNamespace('proof-a'),
      createTestNamespace('proof-b'),
    ]);
    for (const namespace of [namespaceA, namespaceB]) {
      await core().createNamespacedPod({
        namespace,
        body: {
          metadata: { name: `pod-in-${namespace}` },
          spec: { containers: [{ name: 'app', image: 'busybox:1.36' }] },
        },
      });
      await core().createNamespacedSecret({
        namespace,
        body: { metadata: { name: 'db-credentials' }, stringData: { password: 'hunter2-secret' } },
      });
    }

    // The cluster is registered by URL, CA and token, as an operator would through the API.
    const registered = await t.request({
      method: 'POST',
      url: '/api/v1/clusters',
      token: admin,
      body: {
        source: 'token',
        name: CLUSTER,
        server: requiredEnv('KUBEOPS_TEST_SERVER'),
        certificateAuthority: readFileSync(requiredEnv('KUBEOPS_TEST_CA_FILE'), 'utf8'),
        token: requiredEnv('KUBEOPS_TEST_ADMIN_TOKEN'),
      },
    });
    expect(registered.statusCode, registered.body).toBe(201);

    const user = await t.request({
      method: 'POST',
      url: '/api/v1/users',
      token: admin,
      body: { username: 'ns-viewer', password: PASSWORD },
    });
    expect(user.statusCode, user.body).toBe(201);
    const binding = await t.request({
      method: 'POST',
      url: '/api/v1/role-bindings',
      token: admin,
      body: {
        role: 'viewer',
        subjectKind: 'user',
        subject: user.json().id as string,
        cluster: CLUSTER,
        namespace: namespaceA,
      },
    });
    expect(binding.statusCode, binding.body).toBe(201);
    viewer = (await t.login('ns-viewer', PASSWORD)).accessToken;

    // The cluster admin's side: the group KubeOps derives for that binding gets `view` in A only.
    await rbac().createNamespacedRoleBinding({
      namespace: namespaceA,
      body: {
        metadata: { name: 'kubeops-viewers' },
        roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'view' },
        subjects: [
          {
            kind: 'Group',
            name: `kubeops:role:viewer:${namespaceA}`,
            apiGroup: 'rbac.authorization.k8s.io',
          },
        ],
      },
    });
  }, 120_000);

  afterAll(async () => {
    await Promise.all([
      namespaceA && deleteNamespace(namespaceA),
      namespaceB && deleteNamespace(namespaceB),
    ]);
    await t?.close();
  });

  const asViewer = (url: string) => t.request({ method: 'GET', url, token: viewer });
  const pods = (namespace: string) =>
    asViewer(`/api/v1/clusters/${CLUSTER}/resources/core/v1/pods?namespace=${namespace}`);

  it('is shown the identity KubeOps will use with the cluster', async () => {
    const res = await asViewer(`/api/v1/me/impersonation?cluster=${CLUSTER}`);
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toMatchObject({
      user: 'kubeops:ns-viewer',
      groups: expect.arrayContaining([`kubeops:role:viewer:${namespaceA}`]),
    });
    expect(res.json().groups).not.toContain('kubeops:role:viewer');
  });

  it('lists the pods of its namespace', async () => {
    // RBAC bindings take effect in the API server's authorizer cache within moments.
    await waitFor(
      'the viewer binding to apply',
      async () => (await pods(namespaceA)).statusCode === 200,
      15_000,
    );
    const res = await pods(namespaceA);
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json().items.map((i: { name: string }) => i.name)).toEqual([`pod-in-${namespaceA}`]);
  });

  it("gets the cluster's own 403 in the other namespace", async () => {
    const list = await pods(namespaceB);
    expect(list.statusCode, list.body).toBe(403);
    expect(list.json().code).toBe('kube_forbidden');
    // The message is the API server's, naming the impersonated user and the namespace.
    expect(list.json().message).toMatch(
      new RegExp(
        `User "kubeops:ns-viewer" cannot list resource "pods" .*namespace "${namespaceB}"`,
      ),
    );
    const one = await asViewer(
      `/api/v1/clusters/${CLUSTER}/resources/core/v1/pods/pod-in-${namespaceB}?namespace=${namespaceB}`,
    );
    expect(one.statusCode, one.body).toBe(403);
    expect(one.json().message).toContain(`pods "pod-in-${namespaceB}" is forbidden`);
    expect(one.body).not.toContain('"spec"');
  });

  it('cannot change anything, even in its own namespace (view is read-only)', async () => {
    const del = await t.request({
      method: 'DELETE',
      url: `/api/v1/clusters/${CLUSTER}/resources/core/v1/pods/pod-in-${namespaceA}?namespace=${namespaceA}`,
      token: viewer,
    });
    expect(del.statusCode, del.body).toBe(403);
    // The platform role viewer holds no kube:write: KubeOps refuses before the cluster is asked.
    expect(del.json()).toMatchObject({ code: 'forbidden', details: { permission: 'kube:write' } });
    const still = await core().readNamespacedPod({
      name: `pod-in-${namespaceA}`,
      namespace: namespaceA,
    });
    expect(still.metadata?.deletionTimestamp).toBeUndefined();
  });

  it('cannot read Secrets in either namespace', async () => {
    for (const namespace of [namespaceA, namespaceB]) {
      const list = await asViewer(
        `/api/v1/clusters/${CLUSTER}/resources/core/v1/secrets?namespace=${namespace}`,
      );
      expect(list.statusCode, list.body).toBe(403);
      const one = await asViewer(
        `/api/v1/clusters/${CLUSTER}/resources/core/v1/secrets/db-credentials?namespace=${namespace}`,
      );
      expect(one.statusCode, one.body).toBe(403);
      expect(one.json().code).toBe('kube_forbidden');
      expect(one.body).not.toContain('hunter2');
    }
  });

  it('still cannot manage the cluster registration (a platform permission)', async () => {
    const res = await t.request({
      method: 'DELETE',
      url: `/api/v1/clusters/${CLUSTER}`,
      token: viewer,
    });
    expect(res.statusCode).toBe(403);
    expect(res.json().code).toBe('forbidden');
  });
});

describe('reaching a cluster with a namespace-bound role', () => {
  const grant: Grant = {
    role: 'viewer',
    cluster: 'c1',
    namespace: 'team-a',
    permissions: ['clusters:read'],
    via: 'binding',
  };

  it('lets the cluster decide only where a route says so (anyNamespace)', () => {
    expect(grantCovers(grant, 'clusters:read', { cluster: 'c1', anyNamespace: true })).toBe(true);
    expect(grantCovers(grant, 'clusters:read', { cluster: 'c1' })).toBe(false);
    expect(grantCovers(grant, 'clusters:read', { cluster: 'c2', anyNamespace: true })).toBe(false);
    expect(grantCovers(grant, 'clusters:write', { cluster: 'c1', anyNamespace: true })).toBe(false);
  });
});
