import type { FastifyRequest, preHandlerAsyncHookHandler } from 'fastify';
import { forbidden, KubeOpsError, unauthenticated } from '../core/errors.js';
import { describeRights, missingRights, unheldPermissions, type Rights } from './privilege.js';
import type { RoleStore } from './roles.js';

/** Who is calling, as established by the authentication hook. */
export interface Principal {
  userId: string;
  username: string;
  groups: string[];
  source: 'local' | 'oidc';
  /** `<issuer>|<sub>` of an OIDC user: what the cluster knows them by (see kubernetesUsername). */
  oidcSubject?: string | null;
  authMethod: 'session' | 'api_token';
  /** Session family of a signed-in user (null for API tokens). */
  sessionId: string | null;
  tokenId: string | null;
  /** API token scopes; null means the full permissions of the user's roles. */
  scopes: string[] | null;
  /** Signed in, but must enrol MFA before using anything else. */
  mfaEnrolmentRequired: boolean;
  /** Signed in with a password they did not choose: must change it before using anything else. */
  passwordChangeRequired?: boolean;
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

/** Whose grants: a user's id, groups and where they sign in from. */
export interface UserIdentity {
  id: string;
  groups: string[];
  source: 'local' | 'oidc';
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

  private loadGrants(principal: Principal): Promise<Grant[]> {
    return this.grantsOfUser({
      id: principal.userId,
      groups: principal.groups,
      source: principal.source,
    });
  }

  /** Grants of any user, e.g. one an administrator is about to act on. */
  async grantsOfUser(user: UserIdentity): Promise<Grant[]> {
    const bound = await this.roles.effectiveBindings(user.id, user.groups);
    const grants: Grant[] = bound.map((b) => ({
      role: b.role,
      cluster: b.cluster,
      namespace: b.namespace,
      permissions: b.permissions,
      via: 'binding',
    }));
    if (user.source === 'oidc') {
      const mapped = user.groups.map((g) => this.oidcGroupRoles[g]).filter((r): r is string => !!r);
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

  /**
   * Refuses (403 user_more_privileged) to let the principal act on a user who
   * holds rights the principal does not: resetting their password, disabling
   * them, changing their groups, bindings or MFA, deleting them. Otherwise
   * users:write would be a way to take over any administrator.
   */
  async requireOutranks(principal: Principal, target: UserIdentity & { username: string }) {
    const missing = missingRights(
      principal,
      await this.grants(principal),
      await this.grantsOfUser(target),
    );
    if (missing.length > 0) {
      throw new KubeOpsError(
        'user_more_privileged',
        403,
        `${target.username} holds rights you do not (${describeRights(missing)}); only someone who holds them may change this account`,
        { details: { user: target.id, missing } },
      );
    }
  }

  /**
   * Refuses (403 permission_not_held) to grant rights the principal does not
   * hold at that place: a role's permissions, a binding, the groups a user
   * is given. `field` names the request field that asked for them.
   */
  async requireCanGrant(principal: Principal, wanted: Rights[], field: string) {
    const missing = missingRights(principal, await this.grants(principal), wanted);
    if (missing.length > 0) {
      throw new KubeOpsError(
        'permission_not_held',
        403,
        `${field}: would grant ${describeRights(missing)}, which you do not hold yourself`,
        { details: { field, missing } },
      );
    }
  }

  /** Refuses (403 permission_not_held) permissions the principal holds nowhere, e.g. API token scopes. */
  async requireHeld(principal: Principal, permissions: string[], field: string) {
    const unheld = unheldPermissions(principal, await this.grants(principal), permissions);
    if (unheld.length > 0) {
      throw new KubeOpsError(
        'permission_not_held',
        403,
        `${field}: you do not hold ${unheld.join(', ')}`,
        { details: { field, missing: unheld } },
      );
    }
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

/** The caller of a route that requires signing in (the hook has authenticated them). */
export function principalOf(request: { principal: Principal | undefined }): Principal {
  if (!request.principal) throw unauthenticated();
  return request.principal;
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
