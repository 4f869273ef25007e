import { closeSync, openSync, readSync, statSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import * as k8s from '@kubernetes/client-node';
import { stringify } from 'yaml';
import { adminKubeConfig } from '../../../../test/support/cluster.js';
import { serverAndCa } from './support.js';

/** One line of the test API server's audit log (audit.k8s.io/v1 Event, Metadata level). */
export interface AuditEvent {
  stage: string;
  verb: string;
  requestURI: string;
  userAgent?: string;
  user: { username: string; groups?: string[] };
  impersonatedUser?: { username: string; groups?: string[] };
  objectRef?: { resource?: string; namespace?: string; name?: string; subresource?: string };
  responseStatus?: { code?: number };
}

function auditLogPath(): string {
  const path = process.env.KUBEOPS_TEST_AUDIT_LOG;
  if (!path) throw new Error('KUBEOPS_TEST_AUDIT_LOG is not set: run through vitest');
  return path;
}

/** Where the audit log ends now; events after it are what a test caused (and whatever else ran meanwhile). */
export function auditMark(): number {
  try {
    return statSync(auditLogPath()).size;
  } catch {
    return 0;
  }
}

/** Every event written after `mark` (waits a moment: the API server writes after answering). */
export async function auditEventsSince(mark: number, settleMs = 1500): Promise<AuditEvent[]> {
  await new Promise((r) => setTimeout(r, settleMs));
  const path = auditLogPath();
  const size = statSync(path).size;
  if (size <= mark) return [];
  const buffer = Buffer.alloc(size - mark);
  const fd = openSync(path, 'r');
  try {
    readSync(fd, buffer, 0, buffer.length, mark);
  } finally {
    closeSync(fd);
  }
  return buffer
    .toString('utf8')
    .split('\n')
    .filter((line) => line.trim().startsWith('{'))
    .map((line) => JSON.parse(line) as AuditEvent)
    .filter((e) => e.stage === 'ResponseComplete' || e.stage === 'ResponseStarted');
}

export interface PlatformIdentity {
  /** What the API server calls KubeOps's own credentials. */
  username: string;
  /** A kubeconfig authenticating as it, to register the cluster with. */
  kubeconfig: string;
  remove(): Promise<void>;
}

/**
 * A ServiceAccount standing for KubeOps's own credentials, with a generous
 * platform role (impersonate users and groups; list and watch everything,
 * Secrets included), so a request KubeOps sends without impersonation would
 * succeed and be seen in the audit log under this name.
 */
export async function createPlatformIdentity(namespace: string): Promise<PlatformIdentity> {
  const admin = adminKubeConfig();
  const core = admin.makeApiClient(k8s.CoreV1Api);
  const rbac = admin.makeApiClient(k8s.RbacAuthorizationV1Api);
  const name = `kubeops-platform-${randomBytes(3).toString('hex')}`;
  await core.createNamespacedServiceAccount({ namespace, body: { metadata: { name } } });
  await rbac.createClusterRole({
    body: {
      metadata: { name },
      rules: [
        { apiGroups: [''], resources: ['users', 'groups'], verbs: ['impersonate'] },
        { apiGroups: ['*'], resources: ['*'], verbs: ['list', 'watch'] },
      ],
    },
  });
  await rbac.createClusterRoleBinding({
    body: {
      metadata: { name },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name },
      subjects: [{ kind: 'ServiceAccount', name, namespace }],
    },
  });
  const issued = await core.createNamespacedServiceAccountToken({
    name,
    namespace,
    body: { spec: { audiences: [], expirationSeconds: 3600 } },
  });
  const token = issued.status!.token!;
  const { server, certificateAuthority } = serverAndCa();
  const kubeconfig = stringify({
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [
      {
        name: 'test',
        cluster: {
          server,
          'certificate-authority-data': Buffer.from(certificateAuthority).toString('base64'),
        },
      },
    ],
    users: [{ name: 'platform', user: { token } }],
    contexts: [{ name: 'test', context: { cluster: 'test', user: 'platform' } }],
    'current-context': 'test',
  });
  return {
    username: `system:serviceaccount:${namespace}:${name}`,
    kubeconfig,
    async remove() {
      await rbac.deleteClusterRoleBinding({ name }).catch(() => undefined);
      await rbac.deleteClusterRole({ name }).catch(() => undefined);
    },
  };
}

/**
 * Requests KubeOps makes with its own credentials whatever users do: the
 * platform caches (list and watch, never of Secrets), discovery (the group
 * lists and CRDs) and health probes (/version). Everything else must be
 * impersonated.
 */
export function isPlatformHousekeeping(e: AuditEvent): boolean {
  const path = e.requestURI.split('?')[0];
  switch (e.userAgent) {
    case 'kubeops/cache':
      return (e.verb === 'list' || e.verb === 'watch') && e.objectRef?.resource !== 'secrets';
    case 'kubeops/discovery':
      return (
        path === '/api' ||
        path === '/apis' ||
        path === '/apis/apiextensions.k8s.io/v1/customresourcedefinitions'
      );
    case 'kubeops/platform':
      return path === '/version';
    default:
      return false;
  }
}
