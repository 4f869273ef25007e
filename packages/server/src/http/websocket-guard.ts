import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { Type } from '@sinclair/typebox';
import type { WebSocket } from 'ws';
import type { ServerContext } from '../context.js';
import type { Principal } from '../auth/authorizer.js';
import { KubeOpsError, unauthenticated } from '../core/errors.js';
import { SOCKET_CLOSE, SocketAccess, type TrackedSocket } from './socket-access.js';
import { WebSocketTicketStore } from './websocket-tickets.js';

type Settings = ServerContext['config']['http']['webSocket'];

/**
 * A token bucket per socket: `perSecond` messages on average, bursts up to
 * `burst`. A client over it is closed (1008) rather than queued, so one
 * socket cannot keep the event loop busy for everyone else.
 */
export function limitMessageRate(socket: WebSocket, perSecond: number, burst: number): void {
  let tokens = burst;
  let last = Date.now();
  socket.on('message', () => {
    const now = Date.now();
    tokens = Math.min(burst, tokens + ((now - last) / 1000) * perSecond);
    last = now;
    if (tokens >= 1) {
      tokens -= 1;
      return;
    }
    if (socket.readyState !== socket.OPEN) return;
    socket.close(SOCKET_CLOSE.rateLimited, `more than ${perSecond} messages per second`);
    // Read nothing more from it (not even the client's answer to the close): drop it shortly.
    socket.pause();
    setTimeout(() => socket.terminate(), 1000).unref();
  });
}

/**
 * Runs a socket route's preHandler guards again as `principal`. Guards read
 * only the request (its params and principal), so the original request with
 * the current principal stands in for a new one; a 401/403 means the grant is gone.
 */
async function guardsAllow(
  app: FastifyInstance,
  guards: Array<
    (this: FastifyInstance, request: FastifyRequest, reply: FastifyReply) => Promise<unknown>
  >,
  request: FastifyRequest,
  principal: Principal,
): Promise<boolean> {
  const again = Object.create(request, { principal: { value: principal } }) as FastifyRequest;
  try {
    for (const guard of guards) await guard.call(app, again, undefined as unknown as FastifyReply);
    return true;
  } catch (error) {
    if (error instanceof KubeOpsError && (error.status === 401 || error.status === 403))
      return false;
    throw error;
  }
}

/** Routes whose successful changes may take access away from open sockets. */
const ACCESS_ROUTES = [
  '/api/v1/auth/logout',
  '/api/v1/me',
  '/api/v1/users',
  '/api/v1/roles',
  '/api/v1/role-bindings',
  '/api/v1/settings/auth',
];

/** Whose access a change touched: a user's own routes, an admin's /users/:id, else anyone's. */
function changedUser(request: FastifyRequest, route: string): string | null {
  if (route.startsWith('/api/v1/users/')) return (request.params as { id?: string }).id ?? null;
  if (route.startsWith('/api/v1/me') || route === '/api/v1/auth/logout')
    return request.principal?.userId ?? null;
  return null;
}

export interface WebSocketGuard {
  tickets: WebSocketTicketStore;
  access: SocketAccess;
}

/**
 * What every WebSocket route gets, whatever it serves: a principal from a
 * single-use ticket (never a token in the URL), a message rate limit, and a
 * TrackedSocket (`request.trackedSocket`) that closes it when its session,
 * user or grants go away on any replica. The frame size limit is the
 * websocket plugin's maxPayload (app.ts).
 *
 * Must be registered before the websocket plugin, so its onRoute hook sees
 * the routes' own handlers.
 */
export function registerWebSocketGuard(app: FastifyInstance, ctx: ServerContext): WebSocketGuard {
  const settings: Settings = ctx.config.http.webSocket;
  const tickets = new WebSocketTicketStore(ctx.db, settings.ticketTtlSeconds);
  const access = new SocketAccess(
    ctx.auth,
    ctx.bus,
    ctx.logger,
    settings.accessCheckSeconds * 1000,
  );
  access.start();
  app.addHook('onClose', async () => access.stop());
  app.decorateRequest('trackedSocket', undefined);

  app.addHook('onRoute', (route) => {
    if (!route.websocket) return;
    const handler = route.handler as unknown as (
      this: FastifyInstance,
      socket: WebSocket,
      request: FastifyRequest,
    ) => unknown;
    // The route's own guards (requirePermission …) decided who may open it; they decide who may keep it.
    const guards = [route.preHandler].flat().filter((g) => typeof g === 'function') as Array<
      (this: FastifyInstance, request: FastifyRequest, reply: FastifyReply) => Promise<unknown>
    >;
    const guarded = function (this: FastifyInstance, socket: WebSocket, request: FastifyRequest) {
      limitMessageRate(socket, settings.messagesPerSecond, settings.messageBurst);
      if (request.principal) {
        const tracked = access.track(socket, request.principal);
        request.trackedSocket = tracked;
        if (guards.length > 0)
          tracked.requireGrant((current) => guardsAllow(this, guards, request, current));
      }
      return handler.call(this, socket, request);
    };
    route.handler = guarded as unknown as typeof route.handler;
  });

  app.addHook('onResponse', async (request, reply) => {
    const route = request.routeOptions.url;
    if (request.method === 'GET' || !route || reply.statusCode >= 400) return;
    if (!ACCESS_ROUTES.some((prefix) => route === prefix || route.startsWith(`${prefix}/`))) return;
    await access
      .publish({ userId: changedUser(request, route), reason: `${request.method} ${route}` })
      .catch((error: unknown) =>
        request.log.error({ err: error }, 'could not publish the access change'),
      );
  });

  // A replayed refresh token revokes the whole session family where it was seen;
  // the sockets of that session on other replicas must end now, not at their next check.
  app.addHook('onError', async (request, _reply, error) => {
    if (!(error instanceof KubeOpsError) || error.code !== 'refresh_token_reused') return;
    const userId = error.details?.userId;
    await access
      .publish({ userId: typeof userId === 'string' ? userId : null, reason: error.code })
      .catch((failure: unknown) =>
        request.log.error({ err: failure }, 'could not publish the access change'),
      );
  });

  return { tickets, access };
}

/** POST /api/v1/ws-tickets: what a browser puts in a socket URL instead of its token. */
export function registerWebSocketTicketRoute(
  app: FastifyInstance,
  tickets: WebSocketTicketStore,
): void {
  app.post(
    '/api/v1/ws-tickets',
    {
      config: { auditAction: 'auth.websocket_ticket' },
      schema: {
        tags: ['auth'],
        description:
          'A single-use ticket for opening one WebSocket: append ?ticket=<ticket> to the socket URL within expiresIn seconds',
        response: {
          201: Type.Object({ ticket: Type.String(), expiresIn: Type.Integer() }),
        },
      },
    },
    async (request, reply) => {
      const principal = request.principal;
      if (!principal) throw unauthenticated();
      request.audit.skip = true;
      const ticket = await tickets.issue(principal);
      return reply.code(201).send({ ticket, expiresIn: tickets.ttlSeconds });
    },
  );
}

declare module 'fastify' {
  interface FastifyRequest {
    /** Set on a WebSocket route's request: the open socket's access, checked again until it closes. */
    trackedSocket: TrackedSocket | undefined;
  }
}
