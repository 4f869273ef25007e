import type { FastifyRequest, preHandlerAsyncHookHandler } from 'fastify';
import { forbidden, unauthenticated } from '../core/errors.js';
import type { RoleStore } from './roles.js';

/** Who is calling, as established by the authentication hook. */
export interface Principal {
  userId: string;
  username: string;
  groups: string[];
  source: 'local' | 'oidc';
  authMethod: 'session' | 'api_token';
  /** Session family of a signed-in user (null for API tokens). */
  sessionId: string | null;
  tokenId: string | null;
  /** API token scopes; null means the full permissions of the user's roles. */
  scopes: string[] | null;
  /** Signed in, but must enrol MFA before using anything else. */
  mfaEnrolmentRequired: boolean;
}

/** Where an action happens; omitted parts mean "platform-wide". */
export interface PermissionScope {
  cluster?: string | undefined;
  namespace?: string | undefined;
  /**
   * The cluster decides the namespaces (its requests are impersonated, so its
   * RBAC answers): a grant on any namespace of the cluster is enough to reach
   * it, and a user bound to one namespace gets the cluster's own 403 elsewhere.
   */
  anyNamespace?: boolean | undefined;
}

export interface Grant {
  role: string;
  cluster: string | null;
  namespace: string | null;
  permissions: string[];
  via: 'binding' | 'oidc_group';
}

export function permissionMatches(granted: string, wanted: string): boolean {
  if (granted === '*' || granted === wanted) return true;
  return granted.endsWith(':*') && wanted.startsWith(granted.slice(0, -1));
}

/** A grant covers a scope when it is bound at or above it (global ⊃ cluster ⊃ namespace). */
export function grantCovers(grant: Grant, permission: string, scope: PermissionScope): boolean {
  if (grant.cluster !== null && grant.cluster !== scope.cluster) return false;
  if (grant.namespace !== null && grant.namespace !== scope.namespace && !scope.anyNamespace) {
    return false;
  }
  return grant.permissions.some((p) => permissionMatches(p, permission));
}

export function isAllowed(
  principal: Principal,
  grants: Grant[],
  permission: string,
  scope: PermissionScope = {},
): boolean {
  if (principal.scopes && !principal.scopes.some((s) => permissionMatches(s, permission)))
    return false;
  return grants.some((grant) => grantCovers(grant, permission, scope));
}

/**
 * Decides platform permissions from stored role bindings plus OIDC groups
 * mapped to roles in config. Cluster resources are not decided here: the
 * cluster decides those through impersonation.
 */
export class Authorizer {
  private readonly cache = new WeakMap<Principal, Promise<Grant[]>>();

  constructor(
    private readonly roles: RoleStore,
    private readonly oidcGroupRoles: Record<string, string>,
  ) {}

  /** Grants of a principal, loaded once per request (principals are per request). */
  grants(principal: Principal): Promise<Grant[]> {
    let grants = this.cache.get(principal);
    if (!grants) {
      grants = this.loadGrants(principal);
      this.cache.set(principal, grants);
    }
    return grants;
  }

  private async loadGrants(principal: Principal): Promise<Grant[]> {
    const bound = await this.roles.effectiveBindings(principal.userId, principal.groups);
    const grants: Grant[] = bound.map((b) => ({
      role: b.role,
      cluster: b.cluster,
      namespace: b.namespace,
      permissions: b.permissions,
      via: 'binding',
    }));
    if (principal.source === 'oidc') {
      const mapped = principal.groups
        .map((g) => this.oidcGroupRoles[g])
        .filter((r): r is string => !!r);
      const permissions = await this.roles.permissionsOf([...new Set(mapped)]);
      for (const [role, perms] of permissions) {
        grants.push({
          role,
          cluster: null,
          namespace: null,
          permissions: perms,
          via: 'oidc_group',
        });
      }
    }
    return grants;
  }

  async can(
    principal: Principal,
    permission: string,
    scope: PermissionScope = {},
  ): Promise<boolean> {
    return isAllowed(principal, await this.grants(principal), permission, scope);
  }

  async require(
    principal: Principal | undefined,
    permission: string,
    scope: PermissionScope = {},
  ): Promise<void> {
    if (!principal) throw unauthenticated();
    if (!(await this.can(principal, permission, scope))) {
      throw forbidden(
        permission,
        scope.cluster ? { cluster: scope.cluster, namespace: scope.namespace ?? null } : {},
      );
    }
  }
}

/**
 * Route guard: `preHandler: requirePermission('clusters:write', (req) => ({ cluster: req.params.id }))`.
 * Uses the Authorizer the app was built with.
 */
export function requirePermission(
  permission: string,
  scopeOf?: (request: FastifyRequest) => PermissionScope,
): preHandlerAsyncHookHandler {
  return async function (request) {
    await request.server.authorizer.require(
      request.principal,
      permission,
      scopeOf?.(request) ?? {},
    );
  };
}
