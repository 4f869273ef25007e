import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import * as k8s from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adminKubeConfig } from '../support/cluster.js';
import { ADMIN_PASSWORD, ScaleLayout, type BusKind } from '../support/scale-layout.js';
import {
  call,
  closedWithin,
  ok,
  openLiveSocket,
  registerTestCluster,
  signIn,
  within,
} from './api.js';

/**
 * What one api replica learns, every replica learns within 2 s, over the
 * bus: the chart's scalable layout (two api replicas, cdc and inspector as
 * their own processes, behind HAProxy) on NATS JetStream and on Kafka. Each
 * change is made through replica A and observed on replica B directly.
 */
const buses: BusKind[] = ['nats', 'kafka'];

describe.each(buses)('scalable layout over %s', (bus) => {
  let layout: ScaleLayout;
  let a: string;
  let b: string;
  let admin: string;
  const run = randomBytes(3).toString('hex');
  // The cluster sees KubeOps's admin as kubeops:admin; it may read, as a viewer would.
  const bindingName = `kubeops-scale-${bus}-${run}`;
  const rbac = () => adminKubeConfig().makeApiClient(k8s.RbacAuthorizationV1Api);

  beforeAll(async () => {
    await rbac().createClusterRoleBinding({
      body: {
        metadata: { name: bindingName, labels: { 'kubeops.io/test': 'true' } },
        roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'view' },
        subjects: [{ kind: 'User', name: 'kubeops:admin', apiGroup: 'rbac.authorization.k8s.io' }],
      },
    });
    layout = await ScaleLayout.start({
      bus,
      // Few enough that the lockout check is quick; the per-address limit stays above what the test fails.
      env: {
        KUBEOPS_AUTH_LOCKOUT_MAX_FAILURES_PER_ACCOUNT: '4',
        KUBEOPS_AUTH_LOCKOUT_MAX_FAILURES_PER_IP: '1000',
      },
    });
    [a, b] = layout.api.map((p) => p.url) as [string, string];
    admin = await signIn(layout.url, 'admin', ADMIN_PASSWORD);
  }, 240_000);

  afterAll(async () => {
    await layout?.stop();
    await rbac()
      .deleteClusterRoleBinding({ name: bindingName })
      .catch(() => undefined);
  }, 60_000);

  const newUser = async (role = 'viewer') => {
    const username = `scale-${randomBytes(4).toString('hex')}`;
    const password = 'scale-user-password';
    const user = await ok(a, 'POST', '/api/v1/users', admin, { username, password });
    const binding = await ok(a, 'POST', '/api/v1/role-bindings', admin, {
      role,
      subjectKind: 'user',
      subject: user.id,
    });
    return { username, password, id: String(user.id), bindingId: String(binding.id) };
  };

  it('every process answers /readyz and the balancer spreads requests over both api replicas', async () => {
    for (const p of [...layout.api, layout.cdc!, layout.inspector!])
      expect((await fetch(`${p.url}/readyz`)).status, p.name).toBe(200);
    const answeredBy = new Set<string | null>();
    for (let i = 0; i < 6; i++) {
      const response = await fetch(`${layout.url}/api/v1/me`, {
        headers: { authorization: `Bearer ${admin}` },
      });
      expect(response.status).toBe(200);
      await response.arrayBuffer();
      answeredBy.add(response.headers.get('x-served-by'));
    }
    expect([...answeredBy].sort()).toEqual(layout.api.map((p) => p.name).sort());
  });

  it('a cluster removed on replica A is no longer served by replica B within 2 s', async () => {
    const name = `scale-${run}`;
    await registerTestCluster(a, admin, name);
    const page = `/api/v1/clusters/${name}/resources/core/v1/namespaces?limit=5`;
    // B fills its cache for the cluster and serves pages from it.
    await within(30_000, 'B serves the cluster', async () => {
      return (await call(b, 'GET', page, admin)).status === 200;
    });
    expect((await call(b, 'GET', page, admin)).status).toBe(200);
    await ok(a, 'DELETE', `/api/v1/clusters/${name}`, admin);
    const tookMs = await within(2000, 'B stops serving the removed cluster', async () => {
      return (await call(b, 'GET', page, admin)).status === 404;
    });
    expect(tookMs).toBeLessThan(2000);
    // Registered again under the same name: B serves the new registration, not the old connection.
    await registerTestCluster(a, admin, name);
    await within(30_000, 'B serves the re-registered cluster', async () => {
      return (await call(b, 'GET', page, admin)).status === 200;
    });
    await ok(a, 'DELETE', `/api/v1/clusters/${name}`, admin);
  }, 90_000);

  it('a cluster re-keyed on replica A is reached with the new credentials by replica B within 2 s', async () => {
    const name = `rekey-${run}`;
    await registerTestCluster(a, admin, name);
    const page = `/api/v1/clusters/${name}/resources/core/v1/namespaces?limit=5`;
    await within(30_000, 'B serves the cluster', async () => {
      return (await call(b, 'GET', page, admin)).status === 200;
    });
    // The new credentials: a ServiceAccount the cluster lets authenticate and nothing more.
    const core = adminKubeConfig().makeApiClient(k8s.CoreV1Api);
    const account = `kubeops-rekey-${bus}-${run}`;
    await core.createNamespacedServiceAccount({
      namespace: 'default',
      body: { metadata: { name: account, labels: { 'kubeops.io/test': 'true' } } },
    });
    try {
      const issued = await core.createNamespacedServiceAccountToken({
        name: account,
        namespace: 'default',
        body: { spec: { audiences: [], expirationSeconds: 3600 } },
      });
      const cluster = (await ok(a, 'GET', `/api/v1/clusters/${name}`, admin)) as { server: string };
      await ok(a, 'PATCH', `/api/v1/clusters/${name}`, admin, {
        source: 'token',
        name,
        server: cluster.server,
        certificateAuthority: readFileSync(process.env.KUBEOPS_TEST_CA_FILE!, 'utf8'),
        token: issued.status!.token,
      });
      // B stops answering from what it listed with the old credentials: the new ones may not list.
      const tookMs = await within(2000, 'B uses the new credentials', async () => {
        return (await call(b, 'GET', page, admin)).status !== 200;
      });
      expect(tookMs).toBeLessThan(2000);
    } finally {
      await ok(a, 'DELETE', `/api/v1/clusters/${name}`, admin).catch(() => undefined);
      await core.deleteNamespacedServiceAccount({ name: account, namespace: 'default' });
    }
  }, 90_000);

  it('a session revoked on replica A closes its live socket on replica B within 2 s', async () => {
    const user = await newUser();
    const token = await signIn(a, user.username, user.password);
    const socket = await openLiveSocket(b, token);
    const end = closedWithin(socket, 2000);
    await ok(a, 'POST', '/api/v1/auth/logout', token);
    expect(await end).toMatchObject({ code: 4401 });
    // And B refuses the access token of the ended session.
    expect((await call(b, 'GET', '/api/v1/me', token)).status).toBe(401);
  });

  it('a role binding removed on replica A is enforced by replica B within 2 s', async () => {
    const user = await newUser();
    const token = await signIn(b, user.username, user.password);
    expect((await call(b, 'GET', '/api/v1/clusters', token)).status).toBe(200);
    await ok(a, 'DELETE', `/api/v1/role-bindings/${user.bindingId}`, admin);
    const tookMs = await within(2000, 'B refuses the unbound user', async () => {
      return (await call(b, 'GET', '/api/v1/clusters', token)).status === 403;
    });
    expect(tookMs).toBeLessThan(2000);
    // Bound again on A: B allows it again.
    await ok(a, 'POST', '/api/v1/role-bindings', admin, {
      role: 'viewer',
      subjectKind: 'user',
      subject: user.id,
    });
    await within(2000, 'B allows the bound user again', async () => {
      return (await call(b, 'GET', '/api/v1/clusters', token)).status === 200;
    });
  });

  it('sign-in failures on replica A count on replica B: the lockout holds across replicas', async () => {
    const user = await newUser();
    const attempt = (base: string, password: string) =>
      call(base, 'POST', '/api/v1/auth/login', undefined, { username: user.username, password });
    for (const base of [a, b, a]) expect((await attempt(base, 'wrong-password')).status).toBe(401);
    // The fourth failure, on B, locks the account for both.
    expect((await attempt(b, 'wrong-password')).status).toBe(401);
    for (const base of [b, a, layout.url]) {
      const locked = await attempt(base, user.password);
      expect(locked.status, base).toBe(429);
      expect(locked.body.code).toBe('login_locked');
    }
  });
});
