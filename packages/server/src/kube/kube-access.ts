import type { FastifyRequest, preHandlerAsyncHookHandler } from 'fastify';
import type { PermissionScope } from '../auth/authorizer.js';

/**
 * Platform permissions of the Kubernetes routes. The cluster's RBAC decides
 * what a user may do to its objects (every call is impersonated); these
 * decide which kinds of call KubeOps makes for a user or an API token at all,
 * so a token scoped `clusters:read` can read but never change or exec.
 */
export const KUBE_READ = 'clusters:read';
export const KUBE_WRITE = 'kube:write';
export const KUBE_EXEC = 'kube:exec';

const READ_METHODS = new Set(['GET', 'HEAD']);

/** What a kube route needs: reads (GET, list, watch) `clusters:read`; changes also `kube:write`; exec also `kube:exec`. */
export function kubePermissionsOf(method: string, exec = false): string[] {
  if (exec) return [KUBE_READ, KUBE_EXEC];
  return READ_METHODS.has(method) ? [KUBE_READ] : [KUBE_READ, KUBE_WRITE];
}

/**
 * The one guard of every kube route: the permissions its HTTP method needs
 * (or exec's), in the cluster the route names.
 */
export function requireKubeAccess(
  scopeOf: (request: FastifyRequest) => PermissionScope,
  options: { exec?: boolean } = {},
): preHandlerAsyncHookHandler {
  return async function (request) {
    const scope = scopeOf(request);
    for (const permission of kubePermissionsOf(request.method, options.exec))
      await request.server.authorizer.require(request.principal, permission, scope);
  };
}
