import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { parse } from 'yaml';
import * as k8s from '@kubernetes/client-node';
import { adminKubeConfig } from '../../../../test/support/cluster.js';
import type { Principal } from '../../src/auth/authorizer.js';
import { createContext, type ServerContext } from '../../src/context.js';
import { loadConfig } from '../../src/core/config.js';
import { createLogger } from '../../src/core/logging.js';
import { kubeModuleOf, type KubeModule } from '../../src/kube/kube-module.js';
import { TEST_NETWORK_ENV } from '../../../../test/support/network.js';

/** The test cluster's admin kubeconfig with certificates embedded, as a user would paste it. */
export function flatKubeconfig(path = process.env.KUBEOPS_TEST_KUBECONFIG): string {
  const bin = process.env.KUBEOPS_TEST_BIN_DIR;
  if (!path || !bin) throw new Error('run through vitest: the global setup provides the cluster');
  return execFileSync(
    join(bin, 'kubectl'),
    ['config', 'view', '--raw', '--flatten', '--kubeconfig', path],
    { encoding: 'utf8' },
  );
}

/** The test cluster's address and CA, for registering it by URL + CA + token. */
export function serverAndCa(): { server: string; certificateAuthority: string } {
  const current = parse(flatKubeconfig()) as {
    clusters: Array<{ cluster: { server: string; 'certificate-authority-data': string } }>;
  };
  const { server, 'certificate-authority-data': ca } = current.clusters[0]!.cluster;
  return { server, certificateAuthority: Buffer.from(ca, 'base64').toString() };
}

export interface KubeTestEnv {
  ctx: ServerContext;
  kube: KubeModule;
  close(): Promise<void>;
}

/** A KubeOps context on the real PostgreSQL (a schema of its own) with the test cluster registered as `name`. */
export async function kubeTestEnv(
  cluster = 'local',
  kubeconfig = flatKubeconfig(),
  extraEnv: Record<string, string> = {},
): Promise<KubeTestEnv> {
  const dataDir = mkdtempSync(join(tmpdir(), 'kubeops-kube-'));
  const url = process.env.KUBEOPS_TEST_DATABASE_URL;
  const config = loadConfig({
    env: {
      KUBEOPS_DATA_DIR: dataDir,
      KUBEOPS_LOG_LEVEL: 'silent',
      ...TEST_NETWORK_ENV,
      KUBEOPS_ENCRYPTION_KEY: randomBytes(32).toString('base64'),
      ...(url
        ? {
            KUBEOPS_DATABASE_URL: url,
            KUBEOPS_DATABASE_SCHEMA: `t_kube_${randomBytes(4).toString('hex')}`,
          }
        : {}),
      ...extraEnv,
    },
  });
  const ctx = await createContext(config, createLogger('silent'), { bootstrap: false });
  const kube = kubeModuleOf(ctx);
  await kube.registry.register({ source: 'kubeconfig', kubeconfig, name: cluster }, null);
  return {
    ctx,
    kube,
    async close() {
      await kube.close();
      if (url)
        await ctx.db
          .query(`DROP SCHEMA IF EXISTS "${config.database.schema}" CASCADE`)
          .catch(() => undefined);
      await ctx.lifecycle.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** A KubeOps principal; the cluster sees it as `kubeops:<username>`. */
export function principal(username: string, groups: string[] = []): Principal {
  return {
    userId: `00000000-0000-4000-8000-${randomBytes(6).toString('hex')}`,
    username,
    groups,
    source: 'local',
    authMethod: 'session',
    sessionId: null,
    tokenId: null,
    scopes: null,
    mfaEnrolmentRequired: false,
  };
}

/** Binds a ClusterRole to the KubeOps user in the cluster (namespace: a RoleBinding there; else cluster-wide). */
export async function bindUser(
  username: string,
  clusterRole: string,
  namespace?: string,
): Promise<() => Promise<void>> {
  const rbac = adminKubeConfig().makeApiClient(k8s.RbacAuthorizationV1Api);
  const name = `kubeops-test-${username}-${clusterRole}`.replace(/[^a-z0-9-]/g, '-');
  const subjects = [
    { kind: 'User', name: `kubeops:${username}`, apiGroup: 'rbac.authorization.k8s.io' },
  ];
  const roleRef = { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: clusterRole };
  if (namespace) {
    await rbac.createNamespacedRoleBinding({
      namespace,
      body: { metadata: { name }, roleRef, subjects },
    });
    return async () =>
      void (await rbac.deleteNamespacedRoleBinding({ name, namespace }).catch(() => undefined));
  }
  await rbac.createClusterRoleBinding({ body: { metadata: { name }, roleRef, subjects } });
  return async () => void (await rbac.deleteClusterRoleBinding({ name }).catch(() => undefined));
}

export const adminCore = () => adminKubeConfig().makeApiClient(k8s.CoreV1Api);

/** A signed-in KubeOps user with a platform role (viewer: may use clusters), as a bearer header. */
export async function signIn(
  ctx: ServerContext,
  username: string,
  role = 'viewer',
): Promise<{ authorization: string; userId: string }> {
  const user = await ctx.users.create({
    username,
    password: `pw-${randomBytes(12).toString('hex')}`,
  });
  await ctx.roles.bind({ role, subjectKind: 'user', subject: user.id });
  const session = await ctx.auth.issue(user, 'password');
  return { authorization: `Bearer ${session.accessToken}`, userId: user.id };
}
