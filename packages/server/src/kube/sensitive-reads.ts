import type { FastifyRequest } from 'fastify';
import type { ApiResource } from '@kubeops/contracts';
import type { AuditLog } from '../audit/audit-log.js';
import type { Principal } from '../auth/authorizer.js';
import { KubeOpsError } from '../core/errors.js';

/**
 * Resources whose contents are credentials. KubeOps never holds them in a
 * platform cache: they are listed and watched as the user (the API server
 * checks every read and audits it under the user's name), and every read
 * through KubeOps is written to KubeOps's audit log with the actor.
 */
export function isSensitive(resource: Pick<ApiResource, 'group' | 'resource'>): boolean {
  return resource.group === '' && resource.resource === 'secrets';
}

/** What a live subscription to a sensitive resource reads. */
export interface SensitiveRead {
  cluster: string;
  namespace: string | null;
  kind: string;
}

/**
 * Audits each live-socket subscription to a sensitive resource, as the HTTP
 * routes audit a Secret list: who, from where, what, and whether the cluster
 * let them (`outcome` settles once the subscription could read or not).
 */
export function sensitiveReadAuditor(
  audit: AuditLog,
  request: FastifyRequest,
  principal: Principal,
): (read: SensitiveRead, outcome: Promise<unknown>) => void {
  return (read, outcome) =>
    void outcome
      .then(
        () => ({ result: 'success' as const, statusCode: 200 }),
        (error: unknown) => {
          const status = error instanceof KubeOpsError ? error.status : 500;
          return {
            result: status === 401 || status === 403 ? ('denied' as const) : ('failure' as const),
            statusCode: status,
          };
        },
      )
      .then((how) =>
        audit.record({
          action: 'kube.secret.watch',
          ...how,
          actor: principal.username,
          actorId: principal.userId,
          sourceIp: request.ip,
          userAgent: request.headers['user-agent'] ?? null,
          target: { ...read, name: null },
          requestId: request.id,
        }),
      )
      .catch((error: unknown) => request.log.error({ err: error }, 'audit write failed'));
}
