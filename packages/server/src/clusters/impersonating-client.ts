import type { Impersonation } from '@kubeops/contracts';
import { USER_AGENT, type KubeClient } from '../kube/kube-client.js';

/**
 * The cluster as the user: the platform's own connection, sending
 * Impersonate-User and one Impersonate-Group per group, so the cluster's RBAC
 * decides every call. The platform's credentials need only `impersonate`.
 */
export type ImpersonatingClient = KubeClient & { readonly impersonation: Impersonation };

export function impersonatingClient(
  service: KubeClient,
  impersonation: Impersonation,
): ImpersonatingClient {
  const client = service.as({
    'user-agent': USER_AGENT.user,
    'impersonate-user': impersonation.user,
    ...(impersonation.groups.length ? { 'impersonate-group': impersonation.groups } : {}),
  });
  return Object.assign(client, { impersonation }) as ImpersonatingClient;
}
