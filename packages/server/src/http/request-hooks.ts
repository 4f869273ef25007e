import { randomUUID } from 'node:crypto';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { KubeOpsError, invalidInput, unauthenticated } from '../core/errors.js';
import type { ServerContext } from '../context.js';
import type { Principal } from '../auth/authorizer.js';
import type { WebSocketTicketStore } from './websocket-tickets.js';

const MUTATING = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);
/** Reachable without signing in although they live under /api. */
const PUBLIC_API_PATHS = ['/api/openapi.json', '/api/docs'];

/**
 * Every request gets an id KubeOps made: audit entries and log lines are
 * found by it, so a client must not be able to pick it (and make its request
 * look like another one). What a client sent as X-Request-Id is kept apart,
 * as clientRequestId, when it looks like an id at all.
 */
export function requestId(): string {
  return randomUUID();
}

export function clientRequestId(header: string | string[] | undefined): string | undefined {
  return typeof header === 'string' && /^[A-Za-z0-9._:-]{1,128}$/.test(header) ? header : undefined;
}

function needsAuthentication(request: FastifyRequest): boolean {
  const route = request.routeOptions.url;
  // Unmatched requests fall through to the 404 / web console handler.
  if (route === undefined || !route.startsWith('/api/')) return false;
  if (request.routeOptions.config.public) return false;
  return !PUBLIC_API_PATHS.some((p) => route === p || route.startsWith(`${p}/`));
}

/**
 * Browsers cannot set headers on a WebSocket, so an upgrade may carry a
 * single-use ticket (POST /api/v1/ws-tickets) as ?ticket=. Tokens never
 * travel in a URL: URLs end up in access logs, proxies and browser history.
 */
function upgradeTicketOf(request: FastifyRequest): string | undefined {
  if (request.headers.authorization) return undefined;
  if (request.headers.upgrade?.toLowerCase() !== 'websocket') return undefined;
  const query = new URL(request.url, 'http://localhost').searchParams;
  if (query.has('access_token')) {
    throw unauthenticated(
      'Tokens are not accepted in the URL; open the socket with ?ticket= from POST /api/v1/ws-tickets',
    );
  }
  return query.get('ticket') ?? undefined;
}

/** The path of the first string holding a NUL character, which no stored text may contain. */
export function nulCharacterPath(value: unknown, path: string): string | undefined {
  if (typeof value === 'string') return value.includes('\u0000') ? path : undefined;
  if (value === null || typeof value !== 'object') return undefined;
  for (const [key, item] of Object.entries(value)) {
    if (key.includes('\u0000')) return `${path}.${key.replaceAll('\u0000', '\\0')}`;
    const found = nulCharacterPath(item, `${path}.${key}`);
    if (found) return found;
  }
  return undefined;
}

/** Request ids, authentication, latency metrics and the audit trail. */
export function registerRequestHooks(
  app: FastifyInstance,
  ctx: ServerContext,
  tickets: WebSocketTicketStore,
): void {
  /** What each client called its request, recorded next to (never as) the request id. */
  const clientIds = new WeakMap<FastifyRequest, string>();
  app.decorateRequest('principal', undefined);
  app.decorateRequest('audit', undefined as never);

  app.addHook('onRequest', async (request) => {
    request.audit = {};
    const given = clientRequestId(request.headers['x-request-id']);
    if (given) {
      clientIds.set(request, given);
      request.log = request.log.child({ clientRequestId: given });
    }
  });

  // preParsing: after the rate limiter (a route-level onRequest hook), before any body is read.
  app.addHook('preParsing', async (request, _reply, payload) => {
    await authenticate(request);
    return payload;
  });

  app.addHook('preValidation', async (request) => {
    for (const [part, value] of [
      ['params', request.params],
      ['query', request.query],
      ['body', request.body],
    ] as const) {
      const field = nulCharacterPath(value, part);
      if (field) throw invalidInput(field, 'must not contain the NUL character (\\u0000)');
    }
  });

  /** The principal of the bearer token, or of the ticket an upgrade carries. */
  async function principalOf(request: FastifyRequest): Promise<Principal | undefined> {
    const ticket = upgradeTicketOf(request);
    if (ticket === undefined) return ctx.auth.authenticate(request.headers.authorization);
    const holder = await tickets.redeem(ticket);
    const access = holder && (await ctx.auth.currentAccess(holder));
    if (!access) throw unauthenticated('The ticket is unknown, expired or already used');
    return access.principal;
  }

  async function authenticate(request: FastifyRequest): Promise<void> {
    if (!needsAuthentication(request)) {
      // Public routes still learn who is calling when a valid token is sent.
      request.principal = await principalOf(request).catch(() => undefined);
      return;
    }
    request.principal = await principalOf(request);
    if (!request.principal) throw unauthenticated();
    if (
      request.principal.passwordChangeRequired &&
      !request.routeOptions.config.allowDuringPasswordChange
    ) {
      throw new KubeOpsError(
        'password_change_required',
        403,
        'Choose your own password first: POST /api/v1/me/password with the current one',
      );
    }
    if (
      request.principal.mfaEnrolmentRequired &&
      !request.routeOptions.config.allowDuringMfaEnrolment
    ) {
      throw new KubeOpsError(
        'mfa_enrolment_required',
        403,
        'Enrol a second factor first: POST /api/v1/me/mfa/totp, then /api/v1/me/mfa/totp/verify',
      );
    }
  }

  app.addHook('onSend', async (request, reply, payload) => {
    reply.header('x-request-id', request.id);
    if ((!MUTATING.has(request.method) && !request.audit?.read) || request.audit?.skip)
      return payload;
    const status = reply.statusCode;
    const audit = request.audit ?? {};
    try {
      await ctx.audit.record({
        action:
          audit.action ??
          audit.read?.action ??
          request.routeOptions.config.auditAction ??
          `${request.method} ${request.routeOptions.url ?? request.url.split('?')[0]}`,
        result: status < 400 ? 'success' : status === 401 || status === 403 ? 'denied' : 'failure',
        actor: request.principal?.username ?? audit.actor ?? null,
        actorId: request.principal?.userId ?? audit.actorId ?? null,
        sourceIp: request.ip,
        userAgent: request.headers['user-agent'] ?? null,
        target: audit.target,
        statusCode: status,
        requestId: request.id,
        details: {
          ...(audit.details ?? {}),
          ...(request.principal?.tokenId ? { apiTokenId: request.principal.tokenId } : {}),
          ...(clientIds.has(request) ? { clientRequestId: clientIds.get(request) } : {}),
        },
      });
      return payload;
    } catch (error) {
      // A change that cannot be audited is not reported as a success.
      request.log.error({ err: error }, 'audit write failed');
      reply.code(500).type('application/json; charset=utf-8');
      return JSON.stringify({
        code: 'audit_unavailable',
        message: 'The change could not be recorded in the audit log',
      });
    }
  });

  app.addHook('onResponse', async (request, reply) => {
    ctx.metrics.httpDuration.observe(
      {
        method: request.method,
        route: request.routeOptions.url ?? 'unmatched',
        status_code: String(reply.statusCode),
      },
      reply.elapsedTime / 1000,
    );
  });
}
