import type { AuditTarget } from '@kubeops/contracts';
import type { Authorizer, Principal } from '../auth/authorizer.js';

/** What a handler may add to the audit entry the app writes for a mutating request. */
export interface RequestAudit {
  /** Overrides the route's auditAction, e.g. when one route does several things. */
  action?: string;
  target?: Partial<AuditTarget>;
  /** Who acted, when there is no principal yet (e.g. the username tried at login). */
  actor?: string;
  actorId?: string;
  details?: Record<string, unknown>;
  /** The route wrote its own entry (or the request needs none). */
  skip?: boolean;
  /** A sensitive read (a Secret, a pod log): audited like a change, under this action. */
  read?: { action: string };
}

declare module 'fastify' {
  interface FastifyInstance {
    authorizer: Authorizer;
  }
  interface FastifyRequest {
    principal: Principal | undefined;
    audit: RequestAudit;
  }
  interface FastifyContextConfig {
    /** Reachable without signing in. */
    public?: boolean;
    /** Stable action name for the audit log, e.g. `users.create`. */
    auditAction?: string;
    /** Usable by a user who still has to enrol MFA. */
    allowDuringMfaEnrolment?: boolean;
    /** Usable by a user who must change a password they did not choose (see UserRecord.passwordChangeRequired). */
    allowDuringPasswordChange?: boolean;
  }
}
