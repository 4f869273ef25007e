import { createServer, type Server } from 'node:net';
import type { FastifyInstance } from 'fastify';
import { parse, stringify } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createNamespacedUser,
  createTestNamespace,
  deleteNamespace,
} from '../../../../test/support/cluster.js';
import { buildApp } from '../../src/http/app.js';
import { flatKubeconfig, kubeTestEnv, signIn, type KubeTestEnv } from '../kube/support.js';

describe('cluster registry', () => {
  let env: KubeTestEnv;
  let app: FastifyInstance;
  let admin: { authorization: string };
  let viewer: { authorization: string };
  let namespace: string;
  let blackhole: Server;
  let blackholePort: number;

  beforeAll(async () => {
    env = await kubeTestEnv('local');
    app = await buildApp(env.ctx);
    admin = await signIn(env.ctx, 'cluster-admin-user', 'admin');
    viewer = await signIn(env.ctx, 'cluster-viewer-user', 'viewer');
    namespace = await createTestNamespace('registry');
    // Accepts connections and never answers: the worst kind of dead cluster.
    blackhole = createServer(() => undefined);
    await new Promise<void>((r) => blackhole.listen(0, '127.0.0.1', r));
    blackholePort = (blackhole.address() as { port: number }).port;
  });

  afterAll(async () => {
    blackhole?.close();
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
    const current = parse(flatKubeconfig()) as {
      clusters: Array<{ cluster: { server: string; 'certificate-authority-data': string } }>;
    };
    const { server, 'certificate-authority-data': ca } = current.clusters[0]!.cluster;
    const created = await post('/api/v1/clusters', {
      source: 'token',
      name: 'by-token',
      server,
      certificateAuthority: Buffer.from(ca, 'base64').toString(),
      token: user.token,
    });
    expect(created.statusCode).toBe(201);
    expect(created.body).not.toContain(user.token);
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
      server,
      token: 'x',
    });
    expect(duplicate.statusCode).toBe(409);
  });

  it('edits how a cluster is reached: new credentials are sealed and used on the next call', async () => {
    const current = parse(flatKubeconfig()) as {
      clusters: Array<{ cluster: { server: string; 'certificate-authority-data': string } }>;
    };
    const { server, 'certificate-authority-data': ca } = current.clusters[0]!.cluster;
    const certificateAuthority = Buffer.from(ca, 'base64').toString();
    const base = { source: 'token', name: 'editable', server, certificateAuthority };
    expect(
      (await post('/api/v1/clusters', { ...base, token: 'not-a-valid-token' })).statusCode,
    ).toBe(201);
    const before = await post('/api/v1/clusters/editable/probe', {});
    expect(before.json().health.reachable === false || before.json().health.lastError).toBeTruthy();
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

  it('a dead cluster fails fast with backoff and never blocks a healthy one', async () => {
    const dead = await post('/api/v1/clusters', {
      source: 'token',
      name: 'dead',
      server: `https://127.0.0.1:${blackholePort}`,
      token: 't',
      insecureSkipTlsVerify: true,
    });
    expect(dead.statusCode).toBe(201);
    const pods = '/resources/core/v1/pods?limit=1';
    const first = app.inject({
      method: 'GET',
      url: `/api/v1/clusters/dead${pods}`,
      headers: admin,
    });
    // While the dead cluster's first probe hangs, the healthy one answers at once.
    const started = Date.now();
    const healthy = await app.inject({
      method: 'GET',
      url: `/api/v1/clusters/local/namespaces`,
      headers: admin,
    });
    expect(healthy.statusCode).not.toBe(503);
    expect(Date.now() - started).toBeLessThan(4000);
    const failed = await first;
    expect(failed.statusCode).toBe(503);
    expect(failed.json()).toMatchObject({
      code: 'cluster_unreachable',
      details: { cluster: 'dead' },
    });
    // Backing off: the next call fails in milliseconds instead of waiting for another timeout.
    const again = Date.now();
    const fast = await app.inject({
      method: 'GET',
      url: `/api/v1/clusters/dead${pods}`,
      headers: admin,
    });
    expect(fast.statusCode).toBe(503);
    expect(fast.headers['retry-after']).toBeDefined();
    expect(Date.now() - again).toBeLessThan(500);
    const health = (
      await app.inject({ method: 'GET', url: '/api/v1/clusters/dead', headers: admin })
    ).json().health;
    expect(health).toMatchObject({ state: 'unreachable', reachable: false, lastContactAt: null });
    expect(health.lastError).toMatch(/no answer within 5000 ms/);
    expect(health.nextRetryAt).toBeTruthy();
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
});
