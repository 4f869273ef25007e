import { appendFileSync } from 'node:fs';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import * as k8s from '@kubernetes/client-node';
import { requiredEnv } from './env.js';

/**
 * What a test needs from the local cluster started by the global setup:
 * admin clients, a namespace of its own, users with limited rights, and the
 * file kwok serves as every pod's log.
 */

export function adminKubeConfig(): k8s.KubeConfig {
  const kc = new k8s.KubeConfig();
  kc.loadFromFile(requiredEnv('KUBEOPS_TEST_KUBECONFIG'));
  return kc;
}

export function clusterServer(): string {
  const server = adminKubeConfig().getCurrentCluster()?.server;
  if (!server) throw new Error('the test kubeconfig names no server');
  return server;
}

/** Creates a namespace unique to this test run, labelled so it is easy to clean up. */
export async function createTestNamespace(prefix: string): Promise<string> {
  const name = `t-${prefix}-${randomBytes(3).toString('hex')}`.slice(0, 63);
  const core = adminKubeConfig().makeApiClient(k8s.CoreV1Api);
  await core.createNamespace({
    body: { metadata: { name, labels: { 'kubeops.io/test': 'true' } } },
  });
  return name;
}

export async function deleteNamespace(name: string): Promise<void> {
  const core = adminKubeConfig().makeApiClient(k8s.CoreV1Api);
  await core.deleteNamespace({ name }).catch(() => undefined);
}

export interface NamespacedUser {
  /** The Kubernetes user name the cluster sees. */
  username: string;
  token: string;
  kubeConfig: k8s.KubeConfig;
}

/**
 * A user who may act only inside one namespace (ClusterRole `edit` bound
 * there by default): a ServiceAccount with a short-lived token from the
 * TokenRequest API, so the cluster's own RBAC decides what it may do.
 */
export async function createNamespacedUser(
  name: string,
  namespace: string,
  clusterRole = 'edit',
): Promise<NamespacedUser> {
  const admin = adminKubeConfig();
  const core = admin.makeApiClient(k8s.CoreV1Api);
  const rbac = admin.makeApiClient(k8s.RbacAuthorizationV1Api);
  await core.createNamespacedServiceAccount({ namespace, body: { metadata: { name } } });
  await rbac.createNamespacedRoleBinding({
    namespace,
    body: {
      metadata: { name: `${name}-${clusterRole}` },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: clusterRole },
      subjects: [{ kind: 'ServiceAccount', name, namespace }],
    },
  });
  const request = await core.createNamespacedServiceAccountToken({
    name,
    namespace,
    body: { spec: { audiences: [], expirationSeconds: 3600 } },
  });
  const token = request.status?.token;
  if (!token) throw new Error(`no token issued for ServiceAccount ${namespace}/${name}`);
  return {
    username: `system:serviceaccount:${namespace}:${name}`,
    token,
    kubeConfig: tokenKubeConfig(token),
  };
}

/** A kubeconfig for the test cluster that authenticates with a bearer token. */
export function tokenKubeConfig(token: string): k8s.KubeConfig {
  const admin = adminKubeConfig();
  const cluster = admin.getCurrentCluster();
  if (!cluster) throw new Error('the test kubeconfig has no current cluster');
  const kc = new k8s.KubeConfig();
  kc.loadFromOptions({
    clusters: [cluster],
    users: [{ name: 'test-user', token }],
    contexts: [{ name: 'test', cluster: cluster.name, user: 'test-user' }],
    currentContext: 'test',
  });
  return kc;
}

/**
 * kwok serves this file as the log of every pod; tests append the lines they
 * expect. kwok reads it as the kubelet reads container logs, in CRI format.
 */
export function appendPodLog(
  lines: string[],
  file: 'pod.log' | 'pod-previous.log' = 'pod.log',
): void {
  const now = new Date().toISOString();
  const cri = lines.map((line) => `${now} stdout F ${line}\n`).join('');
  appendFileSync(join(requiredEnv('KUBEOPS_TEST_FILES_DIR'), file), cri);
}

export async function waitFor<T>(
  what: string,
  probe: () => Promise<T | undefined | false>,
  timeoutMs = 60_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  while (Date.now() < deadline) {
    try {
      const value = await probe();
      if (value) return value;
    } catch (error) {
      lastError = error;
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(
    `timed out after ${timeoutMs} ms waiting for ${what}${lastError ? `: ${String(lastError)}` : ''}`,
  );
}
