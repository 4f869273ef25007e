import type { Impersonation } from '@kubeops/contracts';

export interface ImpersonationOptions {
  userPrefix: string;
  groupPrefix: string;
}

export interface IdentityForImpersonation {
  username: string;
  groups: string[];
}

export interface BindingForImpersonation {
  role: string;
  cluster: string | null;
  namespace: string | null;
}

/**
 * What KubeOps sends as Impersonate-User / Impersonate-Group when it calls a
 * cluster's API for a user, so the cluster's own RBAC decides:
 *
 * - user `<userPrefix><username>`
 * - `<groupPrefix>authenticated` for everyone
 * - `<groupPrefix><group>` for each KubeOps (or OIDC) group of the user
 * - `<groupPrefix>role:<role>` for each platform role bound to the user on
 *   every namespace of this cluster (globally or for the cluster)
 * - `<groupPrefix>role:<role>:<namespace>` for a role bound to one namespace,
 *   so a cluster admin grants it with a RoleBinding in that namespace only
 *   and it can never reach another namespace.
 *
 * Pure: no I/O, the bindings are passed in already resolved for the user.
 */
export function impersonationFor(
  identity: IdentityForImpersonation,
  bindings: BindingForImpersonation[],
  cluster: string | null,
  options: ImpersonationOptions,
): Impersonation {
  const g = options.groupPrefix;
  const groups = new Set<string>([`${g}authenticated`]);
  for (const group of identity.groups) groups.add(`${g}${group}`);
  for (const binding of bindings) {
    if (binding.cluster !== null && binding.cluster !== cluster) continue;
    groups.add(
      binding.namespace === null
        ? `${g}role:${binding.role}`
        : `${g}role:${binding.role}:${binding.namespace}`,
    );
  }
  return {
    cluster,
    user: `${options.userPrefix}${identity.username}`,
    groups: [...groups].sort(),
  };
}
