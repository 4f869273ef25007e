import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import * as k8s from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  adminKubeConfig,
  clusterServer,
  createTestNamespace,
  deleteNamespace,
  waitFor,
} from '../../../../test/support/cluster.js';
import { TEST_NETWORK_ENV } from '../../../../test/support/network.js';

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- response bodies of several shapes, checked by expect
type Body = Record<string, any>;
const repo = resolve(import.meta.dirname, '../../../..');
const main = resolve(repo, 'packages/server/src/cli/main.ts');

/**
 * "The cluster KubeOps runs in", for real: `kubeops serve` gets the
 * environment a pod has (KUBERNETES_SERVICE_HOST/PORT and a mounted service
 * account token and CA) pointing at the test cluster, with a token issued to
 * a ServiceAccount this test creates and grants what the Helm chart grants.
 */
describe('registering the cluster KubeOps runs in', () => {
  let namespace: string;
  let serviceAccountDir: string;
  let dataDir: string;
  let server: ChildProcess;
  let output = '';
  let base: string;
  let bearer: { authorization: string };
  // The server's own impersonation prefix, so the cluster grants apply to this test's users only.
  const prefix = `kubeops-incluster-${randomBytes(3).toString('hex')}:`;
  const rbac = () => adminKubeConfig().makeApiClient(k8s.RbacAuthorizationV1Api);

  beforeAll(async () => {
    namespace = await createTestNamespace('incluster');
    const admin = adminKubeConfig();
    const core = admin.makeApiClient(k8s.CoreV1Api);
    await core.createNamespacedServiceAccount({
      namespace,
      body: { metadata: { name: 'kubeops' } },
    });
    await rbac().createClusterRole({
      body: {
        metadata: { name: `${namespace}-impersonator` },
        // As the Helm chart grants it: impersonate, and list/watch what the cache holds.
        rules: [
          { apiGroups: [''], resources: ['users', 'groups'], verbs: ['impersonate'] },
          { apiGroups: [''], resources: ['configmaps'], verbs: ['list', 'watch'] },
        ],
      },
    });
    await rbac().createClusterRoleBinding({
      body: {
        metadata: { name: `${namespace}-impersonator` },
        roleRef: {
          apiGroup: 'rbac.authorization.k8s.io',
          kind: 'ClusterRole',
          name: `${namespace}-impersonator`,
        },
        subjects: [{ kind: 'ServiceAccount', name: 'kubeops', namespace }],
      },
    });
    // KubeOps admins (impersonated as the group <prefix>role:admin) may view this namespace.
    await rbac().createNamespacedRoleBinding({
      namespace,
      body: {
        metadata: { name: 'kubeops-admins-view' },
        roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'view' },
        subjects: [
          { apiGroup: 'rbac.authorization.k8s.io', kind: 'Group', name: `${prefix}role:admin` },
        ],
      },
    });
    await core.createNamespacedConfigMap({
      namespace,
      body: { metadata: { name: 'seen-in-cluster' }, data: { hello: 'world' } },
    });
    const issued = await core.createNamespacedServiceAccountToken({
      name: 'kubeops',
      namespace,
      body: { spec: { audiences: [], expirationSeconds: 3600 } },
    });
    serviceAccountDir = mkdtempSync(join(tmpdir(), 'kubeops-sa-'));
    writeFileSync(join(serviceAccountDir, 'token'), issued.status!.token);
    writeFileSync(
      join(serviceAccountDir, 'ca.crt'),
      readFileSync(process.env.KUBEOPS_TEST_CA_FILE!, 'utf8'),
    );

    const apiServer = new URL(clusterServer());
    dataDir = mkdtempSync(join(tmpdir(), 'kubeops-incluster-'));
    const password = `pw-${randomBytes(12).toString('hex')}`;
    server = spawn(
      process.execPath,
      ['--conditions=development', '--import', 'tsx', main, 'serve', '--target=api', '--port', '0'],
      {
        cwd: repo,
        env: {
          PATH: process.env.PATH ?? '',
          HOME: process.env.HOME ?? '/tmp',
          KUBEOPS_DATA_DIR: dataDir,
          KUBEOPS_HTTP_HOST: '127.0.0.1',
          ...TEST_NETWORK_ENV,
          KUBEOPS_AUTH_ADMIN_PASSWORD: password,
          KUBEOPS_AUTH_IMPERSONATION_USER_PREFIX: prefix,
          KUBEOPS_AUTH_IMPERSONATION_GROUP_PREFIX: prefix,
          KUBEOPS_CLUSTERS_SERVICE_ACCOUNT_DIR: serviceAccountDir,
          KUBERNETES_SERVICE_HOST: apiServer.hostname,
          KUBERNETES_SERVICE_PORT: apiServer.port,
        },
      },
    );
    server.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
    server.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
    base = await new Promise<string>((done, fail) => {
      const timer = setTimeout(
        () => fail(new Error(`kubeops serve not ready:\n${output}`)),
        90_000,
      );
      server.on('exit', (code) => fail(new Error(`kubeops serve exited ${code}:\n${output}`)));
      server.stdout!.on('data', () => {
        const match = /sign in at (http:\/\/[^"\s]+)/.exec(output);
        if (match) {
          clearTimeout(timer);
          done(match[1]!);
        }
      });
    });
    const login = await fetch(new URL('/api/v1/auth/login', base), {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: 'admin', password }),
    });
    expect(login.status).toBe(200);
    bearer = {
      authorization: `Bearer ${((await login.json()) as { accessToken: string }).accessToken}`,
    };
  }, 120_000);

  afterAll(async () => {
    if (server && server.exitCode === null) {
      const exited = new Promise((r) => server.once('exit', r));
      server.kill('SIGTERM');
      await exited;
    }
    await rbac()
      .deleteClusterRoleBinding({ name: `${namespace}-impersonator` })
      .catch(() => undefined);
    await rbac()
      .deleteClusterRole({ name: `${namespace}-impersonator` })
      .catch(() => undefined);
    await deleteNamespace(namespace);
    for (const dir of [serviceAccountDir, dataDir])
      if (dir) rmSync(dir, { recursive: true, force: true });
  });

  const call = async (method: string, path: string, body?: unknown) => {
    const response = await fetch(new URL(path, base), {
      method,
      headers: { ...bearer, ...(body ? { 'content-type': 'application/json' } : {}) },
      body: body ? JSON.stringify(body) : undefined,
    });
    return { status: response.status, json: (await response.json()) as Body };
  };

  it('registers it from the pod environment, checks it, and lists resources through it as the user', async () => {
    const created = await call('POST', '/api/v1/clusters', { source: 'in-cluster', name: 'home' });
    expect(created.status, JSON.stringify(created.json)).toBe(201);
    expect(created.json.items[0]).toMatchObject({
      name: 'home',
      source: 'in-cluster',
      server: clusterServer(),
      health: { state: 'connected', version: expect.stringMatching(/^v1\./) },
    });
    // Nothing of the service account is stored: it is read from the mount.
    expect(JSON.stringify(created.json)).not.toContain(
      readFileSync(join(serviceAccountDir, 'token'), 'utf8').slice(0, 40),
    );
    const configMaps = await call(
      'GET',
      `/api/v1/clusters/home/resources/core/v1/configmaps?namespace=${namespace}`,
    );
    expect(configMaps.status, JSON.stringify(configMaps.json)).toBe(200);
    expect(configMaps.json.items.map((i: { name: string }) => i.name)).toContain('seen-in-cluster');
    // As the user: the cluster lets KubeOps admins view this namespace only.
    const elsewhere = await call(
      'GET',
      `/api/v1/clusters/home/resources/core/v1/configmaps/kube-root-ca.crt?namespace=kube-system`,
    );
    expect(elsewhere.status).toBe(403);
    expect(elsewhere.json.message).toContain(`${prefix}admin`);
  });

  it('refuses a second in-cluster registration under the same name, and an edit of it', async () => {
    const again = await call('POST', '/api/v1/clusters', { source: 'in-cluster', name: 'home' });
    expect(again.status).toBe(409);
    const edit = await call('PATCH', '/api/v1/clusters/home', {
      source: 'token',
      name: 'home',
      server: clusterServer(),
      token: 'x',
    });
    expect(edit.status).toBe(400);
    expect(edit.json.details).toMatchObject({ field: 'body.source' });
  });

  it('follows the service account token file as the kubelet rotates it', async () => {
    const core = adminKubeConfig().makeApiClient(k8s.CoreV1Api);
    await core.createNamespacedServiceAccount({
      namespace,
      body: { metadata: { name: 'rotated' } },
    });
    const issued = await core.createNamespacedServiceAccountToken({
      name: 'rotated',
      namespace,
      body: { spec: { audiences: [], expirationSeconds: 3600 } },
    });
    const object = `/api/v1/clusters/home/resources/core/v1/configmaps/seen-in-cluster?namespace=${namespace}`;
    expect((await call('GET', object)).status).toBe(200);
    // The kubelet swaps the file; this account may not impersonate, which shows which token is sent.
    writeFileSync(join(serviceAccountDir, 'token'), issued.status!.token);
    const refused = await waitFor(
      'a call made with the new token',
      async () => {
        const answer = await call('GET', object);
        return answer.status === 403 && answer;
      },
      30_000,
    );
    expect(refused.json.message).toContain(`system:serviceaccount:${namespace}:rotated`);
  });
});
