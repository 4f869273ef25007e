import { createHash } from 'node:crypto';
import type { Impersonation } from '@kubeops/contracts';

export interface ImpersonationOptions {
  userPrefix: string;
  groupPrefix: string;
}

export interface IdentityForImpersonation {
  username: string;
  groups: string[];
  source?: 'local' | 'oidc' | undefined;
  /** `<issuer>|<sub>` of an OIDC user; null for local users. */
  oidcSubject?: string | null | undefined;
}

export interface BindingForImpersonation {
  role: string;
  cluster: string | null;
  namespace: string | null;
}

/**
 * The parts of the group namespace under the group prefix. Each kind of
 * group has its own part, so a user or IdP group can never be mistaken for a
 * platform role; any other name under the prefix is reserved.
 */
export const GROUP_PARTS = { authenticated: 'authenticated', group: 'group:', role: 'role:' };

/**
 * The name a cluster knows a user by. Local usernames are unique and cannot
 * contain `:`; an OIDC user is named after what the provider guarantees to be
 * stable and unique, the issuer and `sub`, never a claim the user may choose
 * (preferred_username, email), so two provider users never share a name and a
 * renamed user keeps their bindings.
 */
export function kubernetesUsername(identity: IdentityForImpersonation): string {
  if (identity.source === 'oidc' && identity.oidcSubject) {
    const split = identity.oidcSubject.indexOf('|');
    const issuer = identity.oidcSubject.slice(0, split);
    const sub = identity.oidcSubject.slice(split + 1);
    const issuerHash = createHash('sha256').update(issuer).digest('hex').slice(0, 10);
    return `oidc:${issuerHash}:${sub}`;
  }
  return identity.username;
}

/**
 * What KubeOps sends as Impersonate-User / Impersonate-Group when it calls a
 * cluster's API for a user, so the cluster's own RBAC decides:
 *
 * - user `<userPrefix><username>` (local) or `<userPrefix>oidc:<issuer hash>:<sub>`
 * - `<groupPrefix>authenticated` for everyone
 * - `<groupPrefix>group:<group>` for each KubeOps (or OIDC) group of the user
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
  const groups = new Set<string>([`${g}${GROUP_PARTS.authenticated}`]);
  for (const group of identity.groups) groups.add(`${g}${GROUP_PARTS.group}${group}`);
  for (const binding of bindings) {
    if (binding.cluster !== null && binding.cluster !== cluster) continue;
    const role = `${g}${GROUP_PARTS.role}${binding.role}`;
    groups.add(binding.namespace === null ? role : `${role}:${binding.namespace}`);
  }
  return {
    cluster,
    user: `${options.userPrefix}${kubernetesUsername(identity)}`,
    groups: [...groups].sort(),
  };
}
