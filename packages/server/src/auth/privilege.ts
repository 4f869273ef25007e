import type { Grant, Principal } from './authorizer.js';
import { isAllowed, permissionMatches } from './authorizer.js';

/** Rights wanted at a place: a role's permissions where it is (to be) bound, or a user's grants. */
export interface Rights {
  permissions: string[];
  cluster: string | null;
  namespace: string | null;
}

export interface MissingRight {
  permission: string;
  cluster: string | null;
  namespace: string | null;
}

/**
 * What `wanted` holds that the principal does not, each permission at its own
 * place (a permission bound globally is only covered by the same permission
 * held globally). Wildcards are compared as written: `clusters:*` is covered
 * by `clusters:*` or `*`, never by `clusters:read` plus `clusters:write`.
 * Empty means the principal may grant all of it, or act on a user holding it.
 */
export function missingRights(
  principal: Principal,
  grants: Grant[],
  wanted: Rights[],
): MissingRight[] {
  const missing = new Map<string, MissingRight>();
  for (const { permissions, cluster, namespace } of wanted) {
    const scope = { cluster: cluster ?? undefined, namespace: namespace ?? undefined };
    for (const permission of permissions) {
      if (isAllowed(principal, grants, permission, scope)) continue;
      missing.set(JSON.stringify([permission, cluster, namespace]), {
        permission,
        cluster,
        namespace,
      });
    }
  }
  return [...missing.values()];
}

/** Permissions (e.g. API token scopes) the principal holds nowhere at all. */
export function unheldPermissions(
  principal: Principal,
  grants: Grant[],
  wanted: string[],
): string[] {
  const inScopes = (permission: string) =>
    principal.scopes === null || principal.scopes.some((s) => permissionMatches(s, permission));
  const inGrants = (permission: string) =>
    grants.some((g) => g.permissions.some((p) => permissionMatches(p, permission)));
  return wanted.filter((permission) => !inScopes(permission) || !inGrants(permission));
}

export function describeRights(missing: MissingRight[]): string {
  return missing
    .slice(0, 5)
    .map((m) =>
      m.cluster
        ? `${m.permission} on ${m.cluster}${m.namespace ? `/${m.namespace}` : ''}`
        : m.permission,
    )
    .join(', ');
}
