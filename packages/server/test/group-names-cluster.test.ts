import { readFileSync } from 'node:fs';
import * as k8s from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  adminKubeConfig,
  createTestNamespace,
  deleteNamespace,
  waitFor,
} from '../../../test/support/cluster.js';
import { startTestApp, type TestApp } from './support/app.js';
import { requiredEnv } from '../../../test/support/env.js';

const CLUSTER = 'groups';
const PASSWORD = 'group-user-password';

/**
 * H1 against the real local cluster: a cluster admin grants the platform
 * admin role's group (`kubeops:role:admin`) access to a namespace; a user
 * whose own group is literally `role:admin` must not get it.
 */
describe('user groups and platform roles reach the cluster under separate names', () => {
  let t: TestApp;
  let admin: string;
  let eve: string;
  let namespace: string;
  let elsewhere: string;

  beforeAll(async () => {
    t = await startTestApp('postgres');
    admin = (await t.login()).accessToken;
    [namespace, elsewhere] = await Promise.all([
      createTestNamespace('groups'),
      createTestNamespace('groups-other'),
    ]);
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
      body: { username: 'eve', password: PASSWORD, groups: ['role:admin'] },
    });
    expect(user.statusCode, user.body).toBe(201);
    // Enough platform rights to browse the cluster (a viewer of another namespace).
    const binding = await t.request({
      method: 'POST',
      url: '/api/v1/role-bindings',
      token: admin,
      body: {
        role: 'viewer',
        subjectKind: 'user',
        subject: 'eve',
        cluster: CLUSTER,
        namespace: elsewhere,
      },
    });
    expect(binding.statusCode, binding.body).toBe(201);
    eve = (await t.login('eve', PASSWORD)).accessToken;

    await adminKubeConfig()
      .makeApiClient(k8s.RbacAuthorizationV1Api)
      .createNamespacedRoleBinding({
        namespace,
        body: {
          metadata: { name: 'kubeops-admins' },
          roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'view' },
          subjects: [
            { kind: 'Group', name: 'kubeops:role:admin', apiGroup: 'rbac.authorization.k8s.io' },
          ],
        },
      });
  }, 120_000);

  afterAll(async () => {
    await Promise.all([
      namespace && deleteNamespace(namespace),
      elsewhere && deleteNamespace(elsewhere),
    ]);
    await t?.close();
  });

  const pods = (token: string) =>
    t.request({
      method: 'GET',
      url: `/api/v1/clusters/${CLUSTER}/resources/core/v1/pods?namespace=${namespace}`,
      token,
    });

  it('lets the platform admin in through the role group', async () => {
    await waitFor('the admin binding to apply', async () => (await pods(admin)).statusCode === 200);
  });

  it('keeps a user whose group is named role:admin out, impersonated as kubeops:group:role:admin', async () => {
    const refused = await pods(eve);
    expect(refused.statusCode, refused.body).toBe(403);
    expect(refused.json().message).toContain('kubeops:eve');
    const identity = await t.request({
      method: 'GET',
      url: `/api/v1/me/impersonation?cluster=${CLUSTER}`,
      token: eve,
    });
    expect(identity.json().groups).toContain('kubeops:group:role:admin');
    expect(identity.json().groups).not.toContain('kubeops:role:admin');
  });
});
