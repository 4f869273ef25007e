import type { WebSocket } from 'ws';
import type { AuthService } from '../auth/auth-service.js';
import type { Principal } from '../auth/authorizer.js';
import type { EventBus } from '../core/bus.js';
import type { Logger } from '../core/logging.js';

/** Close codes a client sees when KubeOps ends a socket (4000–4999 are the application's). */
export const SOCKET_CLOSE = {
  /** The session ended (logout, expiry), the token was revoked or the user disabled: sign in again. */
  accessEnded: 4401,
  /** Still signed in, but no longer allowed what the socket does. */
  forbidden: 4403,
  /** The client sent more messages than a socket may (RFC 6455 policy violation). */
  rateLimited: 1008,
} as const;

/** Published on the event bus when sessions, users or grants change, so every replica re-checks its sockets. */
export const ACCESS_CHANGED_SUBJECT = 'auth.access-changed';

export interface AccessChange {
  /** Whose access changed; null when it may be anyone's (a role or a group binding changed). */
  userId: string | null;
  reason: string;
}

/** A socket's own test of its grants, run on every check with the principal as it is now. */
export type GrantCheck = (principal: Principal) => Promise<boolean>;

/** One open socket and what it was opened as. */
export class TrackedSocket {
  private readonly checks: GrantCheck[] = [];
  private expiry: NodeJS.Timeout | undefined;
  closed = false;

  constructor(
    readonly socket: WebSocket,
    public principal: Principal,
    private readonly access: SocketAccess,
  ) {}

  /** Adds a test of what the socket does (e.g. clusters:read on its cluster); false closes it as forbidden. */
  requireGrant(check: GrantCheck): void {
    this.checks.push(check);
  }

  /** Re-checks now; the current principal, or undefined after closing the socket. */
  async refresh(): Promise<Principal | undefined> {
    return this.access.check(this);
  }

  /** Ends the socket at the end of its session or token: no connection outlives what opened it. */
  expireAt(until: Date): void {
    clearTimeout(this.expiry);
    // setTimeout holds 2^31-1 ms at most; a later expiry is caught by a periodic check first.
    const delay = Math.min(Math.max(0, until.getTime() - Date.now()), 2 ** 31 - 1);
    this.expiry = setTimeout(() => this.close(SOCKET_CLOSE.accessEnded, 'session expired'), delay);
    this.expiry.unref();
  }

  async grantsHold(principal: Principal): Promise<boolean> {
    for (const check of this.checks) if (!(await check(principal))) return false;
    return true;
  }

  close(code: number, reason: string): void {
    if (this.closed) return;
    this.closed = true;
    clearTimeout(this.expiry);
    this.socket.close(code, reason);
  }

  forget(): void {
    this.closed = true;
    clearTimeout(this.expiry);
  }
}

/**
 * Keeps every open WebSocket of this replica tied to the session, user and
 * grants it was opened with: checked again periodically and whenever any
 * replica publishes an access change, and closed as soon as they no longer
 * hold — a logout, a disabled user or a removed role ends live views and
 * exec sessions everywhere, not only new requests.
 */
export class SocketAccess {
  private readonly sockets = new Set<TrackedSocket>();
  private timer: NodeJS.Timeout | undefined;
  private unsubscribe: (() => void) | undefined;

  constructor(
    private readonly auth: AuthService,
    private readonly bus: EventBus,
    private readonly logger: Logger,
    private readonly checkIntervalMs: number,
  ) {}

  start(): void {
    // No group: every replica hears every change and checks its own sockets.
    this.unsubscribe = this.bus.subscribe(ACCESS_CHANGED_SUBJECT, (data) => {
      const change = data as Partial<AccessChange>;
      return this.checkAll(typeof change.userId === 'string' ? change.userId : null);
    });
    this.timer = setInterval(() => void this.checkAll(null), this.checkIntervalMs);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
    this.unsubscribe?.();
    for (const tracked of this.sockets) tracked.forget();
    this.sockets.clear();
  }

  get size(): number {
    return this.sockets.size;
  }

  /** Tells every replica (this one included) that someone's access may have changed. */
  async publish(change: AccessChange): Promise<void> {
    await this.bus.publish(ACCESS_CHANGED_SUBJECT, change);
  }

  /** Starts watching a socket opened by `principal`; it is forgotten when it closes. */
  track(socket: WebSocket, principal: Principal): TrackedSocket {
    const tracked = new TrackedSocket(socket, principal, this);
    this.sockets.add(tracked);
    socket.once('close', () => {
      tracked.forget();
      this.sockets.delete(tracked);
    });
    void this.check(tracked);
    return tracked;
  }

  async check(tracked: TrackedSocket): Promise<Principal | undefined> {
    if (tracked.closed) return undefined;
    let access: Awaited<ReturnType<AuthService['currentAccess']>>;
    let allowed = false;
    try {
      access = await this.auth.currentAccess(tracked.principal);
      if (access && !access.principal.mfaEnrolmentRequired) {
        allowed = await tracked.grantsHold(access.principal);
      }
    } catch (error) {
      // A database hiccup is not a revocation: keep the socket and check again next time.
      this.logger.warn({ err: error }, 'websocket access check failed');
      return tracked.principal;
    }
    if (!access || access.principal.mfaEnrolmentRequired) {
      tracked.close(SOCKET_CLOSE.accessEnded, 'session ended; sign in again');
      return undefined;
    }
    if (!allowed) {
      tracked.close(SOCKET_CLOSE.forbidden, 'permission removed');
      return undefined;
    }
    tracked.principal = access.principal;
    tracked.expireAt(access.until);
    return access.principal;
  }

  private async checkAll(userId: string | null): Promise<void> {
    const affected = [...this.sockets].filter(
      (t) => userId === null || t.principal.userId === userId,
    );
    await Promise.all(affected.map((t) => this.check(t)));
  }
}
