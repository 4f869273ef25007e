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
  const missing: MissingRight[] = [];
  for (const rights of wanted) {
    const scope = {
      cluster: rights.cluster ?? undefined,
      namespace: rights.namespace ?? undefined,
    };
    for (const permission of rights.permissions) {
      if (isAllowed(principal, grants, permission, scope)) continue;
      if (
        !missing.some(
          (m) =>
            m.permission === permission &&
            m.cluster === rights.cluster &&
            m.namespace === rights.namespace,
        )
      ) {
        missing.push({ permission, cluster: rights.cluster, namespace: rights.namespace });
      }
    }
  }
  return missing;
}

/** Permissions (e.g. API token scopes) the principal holds nowhere at all. */
export function unheldPermissions(
  principal: Principal,
  grants: Grant[],
  wanted: string[],
): string[] {
  return wanted.filter(
    (permission) =>
      !(
        principal.scopes === null || principal.scopes.some((s) => permissionMatches(s, permission))
      ) || !grants.some((g) => g.permissions.some((p) => permissionMatches(p, permission))),
  );
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
