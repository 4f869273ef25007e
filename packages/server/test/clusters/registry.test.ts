import { createServer, type Server } from 'node:http';
import type { FastifyInstance } from 'fastify';
import { parse, stringify } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createNamespacedUser,
  createTestNamespace,
  deleteNamespace,
} from '../../../../test/support/cluster.js';
import { ClusterRegistry } from '../../src/clusters/cluster-registry.js';
import { EgressGuard } from '../../src/core/egress-guard.js';
import type { KubeOpsError } from '../../src/core/errors.js';
import { buildApp } from '../../src/http/app.js';
import {
  bindUser,
  flatKubeconfig,
  kubeTestEnv,
  serverAndCa,
  signIn,
  type KubeTestEnv,
} from '../kube/support.js';
import { SwitchableProxy } from './switchable-proxy.js';

/** The test cluster's server URL and CA (PEM), as an operator would paste them. */
describe('cluster registry', () => {
  let env: KubeTestEnv;
  let app: FastifyInstance;
  let admin: { authorization: string };
  let viewer: { authorization: string };
  let namespace: string;
  let notKubernetes: Server;
  let notKubernetesUrl: string;

  beforeAll(async () => {
    env = await kubeTestEnv('local');
    app = await buildApp(env.ctx);
    admin = await signIn(env.ctx, 'cluster-admin-user', 'admin');
    viewer = await signIn(env.ctx, 'cluster-viewer-user', 'viewer');
    namespace = await createTestNamespace('registry');
    // A web server that is no API server: /version is a 404 page.
    notKubernetes = createServer((_req, res) => res.writeHead(404).end('<h1>Not Found</h1>'));
    await new Promise<void>((r) => notKubernetes.listen(0, '127.0.0.1', r));
    notKubernetesUrl = `http://127.0.0.1:${(notKubernetes.address() as { port: number }).port}`;
  });

  afterAll(async () => {
    notKubernetes?.close();
    await deleteNamespace(namespace);
    await app?.close();
    await env?.close();
  });

  const post = (url: string, payload: unknown, who = admin) =>
    app.inject({ method: 'POST', url, headers: who, payload: payload as object });

  it('lists the contexts of a pasted kubeconfig and refuses exec and auth-provider credentials with the reason', async () => {
    const config = parse(flatKubeconfig()) as {
      users: Array<{ name: string; user: unknown }>;
      contexts: Array<{ name: string; context: { cluster: string; user: string } }>;
      clusters: unknown[];
    };
    const cluster = config.contexts[0]!.context.cluster;
    config.users.push({
      name: 'eks',
      user: {
        exec: {
          apiVersion: 'client.authentication.k8s.io/v1beta1',
          command: 'aws',
          args: ['eks', 'get-token'],
        },
      },
    });
    config.users.push({ name: 'gke', user: { 'auth-provider': { name: 'gcp' } } });
    config.contexts.push(
      { name: 'eks-prod', context: { cluster, user: 'eks' } },
      { name: 'gke-old', context: { cluster, user: 'gke' } },
    );
    const kubeconfig = stringify(config);
    const contexts = await post('/api/v1/clusters/kubeconfig-contexts', { kubeconfig });
    expect(contexts.statusCode).toBe(200);
    const byName = new Map(
      contexts
        .json()
        .items.map((c: { name: string; refusal: string | null }) => [c.name, c.refusal]),
    );
    expect(byName.get(config.contexts[0]!.name)).toBeNull();
    expect(byName.get('eks-prod')).toMatch(
      /running aws \(exec credentials\), which cannot run on the KubeOps server/,
    );
    expect(byName.get('gke-old')).toMatch(/auth-provider plugin/);
    const refused = await post('/api/v1/clusters', {
      source: 'kubeconfig',
      kubeconfig,
      contexts: ['eks-prod'],
      name: 'eks',
    });
    expect(refused.statusCode).toBe(400);
    expect(refused.json()).toMatchObject({
      code: 'invalid_request',
      details: { field: 'contexts', context: 'eks-prod' },
    });
  });

  it('registers from server URL + CA + token, keeps the token encrypted, and reports health', async () => {
    const user = await createNamespacedUser('registry-sa', namespace, 'view');
    const created = await post('/api/v1/clusters', {
      source: 'token',
      name: 'by-token',
      ...serverAndCa(),
      token: user.token,
    });
    expect(created.statusCode).toBe(201);
    expect(created.body).not.toContain(user.token);
    // The connection was checked before anything was stored, so health is known at once.
    expect(created.json().items[0].health).toMatchObject({
      state: 'connected',
      version: expect.stringMatching(/^v1\./),
    });
    const { rows } = await env.ctx.db.query<{ envelope: string }>(
      `SELECT envelope FROM secrets WHERE name LIKE 'clusters/%'`,
    );
    expect(rows.length).toBeGreaterThanOrEqual(2);
    for (const row of rows) expect(JSON.stringify(row)).not.toContain(user.token.slice(0, 40));
    const probed = await post('/api/v1/clusters/by-token/probe', {});
    expect(probed.json().health).toMatchObject({
      state: 'connected',
      reachable: true,
      version: expect.stringMatching(/^v1\./),
      lastError: null,
    });
    expect(probed.json().health.latencyMs).toBeGreaterThan(0);
    expect(probed.json().health.lastContactAt).toBeTruthy();
    const duplicate = await post('/api/v1/clusters', {
      source: 'token',
      name: 'by-token',
      ...serverAndCa(),
      token: user.token,
    });
    expect(duplicate.statusCode).toBe(409);
  });

  it('edits how a cluster is reached: new credentials are checked, sealed and used on the next call', async () => {
    const base = { source: 'token', name: 'editable', ...serverAndCa() };
    const limited = await createNamespacedUser('registry-editable', namespace, 'view');
    expect((await post('/api/v1/clusters', { ...base, token: limited.token })).statusCode).toBe(
      201,
    );
    const unbind = await bindUser('cluster-admin-user', 'view', namespace);
    const serviceAccount = () =>
      app.inject({
        method: 'GET',
        url: `/api/v1/clusters/editable/resources/core/v1/serviceaccounts/default?namespace=${namespace}`,
        headers: admin,
      });
    // The platform's credentials may not impersonate: the cluster refuses every user call.
    const before = await serviceAccount();
    expect(before.statusCode).toBe(403);
    expect(before.json().message).toMatch(/cannot impersonate/);
    const patch = (payload: object) =>
      app.inject({
        method: 'PATCH',
        url: '/api/v1/clusters/editable',
        headers: admin,
        payload,
      });
    const refused = await patch({ ...base, token: 'not-a-valid-token' });
    expect(refused.statusCode).toBe(422);
    expect(refused.json()).toMatchObject({
      code: 'cluster_connection_failed',
      details: { reason: 'unauthorized', field: 'body.token', cluster: 'editable' },
    });
    // A refused edit keeps the connection that worked.
    const kept = await post('/api/v1/clusters/editable/probe', {});
    expect(kept.json().health).toMatchObject({ state: 'connected', lastError: null });
    const adminToken = process.env.KUBEOPS_TEST_ADMIN_TOKEN!;
    const edited = await app.inject({
      method: 'PATCH',
      url: '/api/v1/clusters/editable',
      headers: admin,
      payload: { ...base, name: 'ignored', token: adminToken },
    });
    expect(edited.statusCode).toBe(200);
    expect(edited.json().name).toBe('editable');
    expect(edited.body).not.toContain(adminToken);
    const after = await post('/api/v1/clusters/editable/probe', {});
    expect(after.json().health).toMatchObject({
      state: 'connected',
      reachable: true,
      lastError: null,
    });
    expect((await serviceAccount()).statusCode).toBe(200);
    await unbind();
    const forbidden = await app.inject({
      method: 'PATCH',
      url: '/api/v1/clusters/editable',
      headers: viewer,
      payload: { ...base, token: adminToken },
    });
    expect(forbidden.statusCode).toBe(403);
  });

  it('refuses a server that is not a usable URL with a 400 naming the field, storing nothing', async () => {
    for (const server of ['http://', 'https://:6443', 'https//no-colon.example']) {
      const refused = await post('/api/v1/clusters', {
        source: 'token',
        name: 'bad-url',
        server,
        token: 'x',
      });
      expect(refused.statusCode).toBe(400);
      expect(refused.json().message).toContain('server');
    }
    const listed = await app.inject({ method: 'GET', url: '/api/v1/clusters', headers: admin });
    expect(JSON.stringify(listed.json())).not.toContain('bad-url');
  });

  it('only platform roles with clusters:write may register or remove clusters', async () => {
    const res = await post(
      '/api/v1/clusters',
      { source: 'token', name: 'nope', server: 'https://127.0.0.1:1', token: 't' },
      viewer,
    );
    expect(res.statusCode).toBe(403);
    expect(
      (await app.inject({ method: 'GET', url: '/api/v1/clusters', headers: viewer })).statusCode,
    ).toBe(200);
  });

  it('refuses a cluster that does not answer as the supplied credentials, naming why, storing nothing', async () => {
    const { server, certificateAuthority } = serverAndCa();
    const token = process.env.KUBEOPS_TEST_ADMIN_TOKEN!;
    const secretsBefore = await env.ctx.db.query(`SELECT name FROM secrets`);
    const closedPort = await new Promise<number>((resolve) => {
      const probe = createServer().listen(0, '127.0.0.1', () => {
        const { port } = probe.address() as { port: number };
        probe.close(() => resolve(port));
      });
    });
    const proxy = new SwitchableProxy(new URL(server));
    const silent = await proxy.start();
    proxy.blackhole();
    const cases: Array<[string, Record<string, unknown>, string, string, RegExp]> = [
      [
        'closed port',
        { server: `https://127.0.0.1:${closedPort}`, certificateAuthority, token },
        'unreachable',
        'body.server',
        /ECONNREFUSED/,
      ],
      [
        'no CA for a private one',
        { server, token },
        'tls',
        'body.certificateAuthority',
        /TLS failed/,
      ],
      [
        'wrong token',
        { server, certificateAuthority, token: 'not-a-valid-token' },
        'unauthorized',
        'body.token',
        /401 Unauthorized/,
      ],
      [
        'not an API server',
        { server: notKubernetesUrl, token },
        'not_kubernetes',
        'body.server',
        /404/,
      ],
      [
        'silent server',
        { server: silent, certificateAuthority, token },
        'timeout',
        'body.server',
        /no answer within 5 s/,
      ],
    ];
    try {
      for (const [what, connection, reason, field, message] of cases) {
        const refused = await post('/api/v1/clusters', {
          source: 'token',
          name: 'refused',
          ...connection,
        });
        expect(refused.statusCode, what).toBe(422);
        expect(refused.json(), what).toMatchObject({
          code: 'cluster_connection_failed',
          details: { reason, field, cluster: 'refused' },
        });
        expect(refused.json().message, what).toMatch(message);
        expect(refused.json().message, what).toMatch(new RegExp(`^${field}: `));
      }
    } finally {
      await proxy.close();
    }
    // A kubeconfig context that fails names the context.
    const config = parse(flatKubeconfig()) as {
      users: Array<{ name: string; user: Record<string, unknown> }>;
      contexts: Array<{ name: string }>;
    };
    config.users[0]!.user = { token: 'not-a-valid-token' };
    const fromKubeconfig = await post('/api/v1/clusters', {
      source: 'kubeconfig',
      kubeconfig: stringify(config),
      name: 'refused',
    });
    expect(fromKubeconfig.statusCode).toBe(422);
    expect(fromKubeconfig.json().details).toMatchObject({
      reason: 'unauthorized',
      field: 'contexts',
      context: config.contexts[0]!.name,
    });
    expect(
      (await app.inject({ method: 'GET', url: '/api/v1/clusters/refused', headers: admin }))
        .statusCode,
    ).toBe(404);
    expect((await env.ctx.db.query(`SELECT name FROM secrets`)).rows).toEqual(secretsBefore.rows);
  }, 30_000);

  it('a cluster that dies fails fast with backoff, never blocks a healthy one, and reconnects', async () => {
    const { server, certificateAuthority } = serverAndCa();
    const proxy = new SwitchableProxy(new URL(server));
    const registered = await post('/api/v1/clusters', {
      source: 'token',
      name: 'dead',
      server: await proxy.start(),
      certificateAuthority,
      token: process.env.KUBEOPS_TEST_ADMIN_TOKEN!,
    });
    expect(registered.statusCode).toBe(201);
    try {
      // The worst way to die: connections are accepted and never answered.
      proxy.blackhole();
      const probe = post('/api/v1/clusters/dead/probe', {});
      // While the dead cluster's probe hangs, the healthy one answers at once.
      const started = Date.now();
      const healthy = await app.inject({
        method: 'GET',
        url: `/api/v1/clusters/local/namespaces`,
        headers: admin,
      });
      expect(healthy.statusCode).toBe(200);
      expect(Date.now() - started).toBeLessThan(4000);
      const probed = (await probe).json().health;
      expect(probed).toMatchObject({ state: 'unreachable', reachable: false });
      expect(probed.lastError).toMatch(/no answer within 5000 ms/);
      expect(probed.lastContactAt).toBeTruthy();
      expect(probed.nextRetryAt).toBeTruthy();
      // Backing off: calls fail in milliseconds instead of waiting for another timeout.
      const pods = '/resources/core/v1/pods?limit=1';
      const again = Date.now();
      const fast = await app.inject({
        method: 'GET',
        url: `/api/v1/clusters/dead${pods}`,
        headers: admin,
      });
      expect(fast.statusCode).toBe(503);
      expect(fast.json()).toMatchObject({
        code: 'cluster_unreachable',
        details: { cluster: 'dead' },
      });
      expect(fast.headers['retry-after']).toBeDefined();
      expect(Date.now() - again).toBeLessThan(500);
      // Back up: once the backoff has passed, the next call connects again.
      proxy.revive();
      await new Promise((r) => setTimeout(r, Date.parse(probed.nextRetryAt) - Date.now() + 100));
      const back = await app.inject({
        method: 'GET',
        url: `/api/v1/clusters/dead/namespaces`,
        headers: admin,
      });
      expect(back.statusCode).toBe(200);
      const health = (
        await app.inject({ method: 'GET', url: '/api/v1/clusters/dead', headers: admin })
      ).json().health;
      expect(health).toMatchObject({ state: 'connected', reachable: true, nextRetryAt: null });
    } finally {
      await proxy.close();
    }
    const removed = await app.inject({
      method: 'DELETE',
      url: '/api/v1/clusters/dead',
      headers: admin,
    });
    expect(removed.statusCode).toBe(200);
    expect(
      (await app.inject({ method: 'GET', url: '/api/v1/clusters/dead', headers: admin }))
        .statusCode,
    ).toBe(404);
  }, 30_000);

  it('holds a registered cluster to the egress rules on every connection, not only at registration', async () => {
    // The same stored cluster, read by a replica that does not allow loopback targets.
    const strict = new ClusterRegistry(
      env.ctx.db,
      env.ctx.secrets,
      undefined,
      new EgressGuard({ allowedTargets: [] }),
    );
    try {
      const [cluster] = await strict.list();
      const refused = await strict
        .connect(cluster!.name)
        .then((handle) => handle.client.request({ path: '/version' }))
        .then(
          () => undefined,
          (error: unknown) => error as KubeOpsError,
        );
      expect(refused?.message ?? '').toMatch(/127\.0\.0\.1 \(loopback\) are refused/);
    } finally {
      strict.close();
    }
  });

  it('refuses the in-cluster source outside a pod, and with no service account mounted, naming why', async () => {
    const host = process.env.KUBERNETES_SERVICE_HOST;
    delete process.env.KUBERNETES_SERVICE_HOST;
    const outside = await post('/api/v1/clusters', { source: 'in-cluster' });
    expect(outside.statusCode).toBe(400);
    expect(outside.json().message).toContain('KUBERNETES_SERVICE_HOST is unset');
    // In a pod whose service account token is not mounted (automountServiceAccountToken: false).
    const registry = new ClusterRegistry(
      env.ctx.db,
      env.ctx.secrets,
      '/nonexistent/serviceaccount',
    );
    process.env.KUBERNETES_SERVICE_HOST = '127.0.0.1';
    try {
      const refused = await registry.register({ source: 'in-cluster', name: 'home' }, null).then(
        () => undefined,
        (error: unknown) => error as KubeOpsError,
      );
      expect(refused).toMatchObject({
        status: 422,
        code: 'cluster_connection_failed',
        details: { reason: 'credentials_unreadable', field: 'body.source' },
      });
      expect(refused?.message).toContain('/nonexistent/serviceaccount');
      expect(await registry.list()).not.toContainEqual(expect.objectContaining({ name: 'home' }));
    } finally {
      if (host === undefined) delete process.env.KUBERNETES_SERVICE_HOST;
      else process.env.KUBERNETES_SERVICE_HOST = host;
      registry.close();
    }
  });
});
