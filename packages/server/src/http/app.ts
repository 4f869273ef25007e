import './fastify-types.js';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import cookie from '@fastify/cookie';
import cors from '@fastify/cors';
import helmet from '@fastify/helmet';
import rateLimit from '@fastify/rate-limit';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import websocket from '@fastify/websocket';
import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import { ErrorBody } from '@kubeops/contracts';
import type { ServerContext } from '../context.js';
import { tooManyRequests } from '../core/errors.js';
import { RequestTracing } from '../core/request-tracing.js';
import { errorHandler } from './error-handler.js';
import { registerHealthRoutes } from './health-routes.js';
import { registerJsonBodyParser } from './json-body.js';
import { STRING_FORMATS } from '../core/http-url.js';
import { registerRequestHooks, requestId } from './request-hooks.js';
import { API_ROUTE_MODULES, type RouteModule } from './routes.js';
import { registerWebConsole } from './web-console.js';
import { registerWebSocketGuard, registerWebSocketTicketRoute } from './websocket-guard.js';

export const CONTENT_SECURITY_POLICY = {
  defaultSrc: ["'self'"],
  scriptSrc: ["'self'"],
  styleSrc: ["'self'"],
  imgSrc: ["'self'", 'data:'],
  fontSrc: ["'self'"],
  connectSrc: ["'self'"],
  objectSrc: ["'none'"],
  frameAncestors: ["'none'"],
  baseUri: ["'self'"],
  formAction: ["'self'"],
};

/**
 * Who may set X-Forwarded-For: the last `n` hops (each appends the address it
 * saw), or the listed proxy addresses. An entry added by anyone else, such as
 * a client talking to KubeOps directly, never becomes request.ip.
 */
function trustedProxies(
  trustProxy: ServerContext['config']['http']['trustProxy'],
): false | string[] | ((address: string, hop: number) => boolean) {
  if (Array.isArray(trustProxy)) return trustProxy;
  return trustProxy === 0 ? false : (_address, hop) => hop < trustProxy;
}

/** The built web console next to this package (packages/web/dist), unless http.webRoot says otherwise. */
function webRoot(ctx: ServerContext): string | undefined {
  const root =
    ctx.config.http.webRoot ?? fileURLToPath(new URL('../../../web/dist', import.meta.url));
  return existsSync(root) ? root : undefined;
}

/**
 * The API process's HTTP app. Modules plug in as route modules: each exports
 * `register<Module>Routes(app, ctx)` and is listed in http/routes.ts. A route
 * declares TypeBox schemas from @kubeops/contracts (they validate the request
 * and generate /api/openapi.json), guards itself with
 * `preHandler: requirePermission('<feature>:<read|write>', scopeOf)`, and may
 * set `request.audit.target` so its audit entry names what changed. Every
 * /api route requires a signed-in user unless its config says `public: true`;
 * every POST/PUT/PATCH/DELETE is audited before its response is sent.
 */
export async function buildApp(
  ctx: ServerContext,
  modules: RouteModule[] = API_ROUTE_MODULES,
): Promise<FastifyInstance> {
  const { config } = ctx;
  const tracing = ctx.tracing ? new RequestTracing(ctx.tracing.tracer) : undefined;
  const app = Fastify({
    loggerInstance: ctx.logger as FastifyBaseLogger,
    ...(tracing ? { childLoggerFactory: tracing.childLoggerFactory } : {}),
    genReqId: () => requestId(),
    trustProxy: trustedProxies(config.http.trustProxy),
    bodyLimit: config.http.bodyLimitBytes,
    forceCloseConnections: 'idle',
    return503OnClosing: true,
    ajv: {
      customOptions: {
        allErrors: true,
        removeAdditional: false,
        coerceTypes: 'array',
        useDefaults: true,
        formats: STRING_FORMATS,
      },
    },
  });
  app.setErrorHandler(errorHandler);
  app.decorate('authorizer', ctx.authorizer);
  registerJsonBodyParser(app, config.http.maxJsonDepth);

  await app.register(helmet, {
    contentSecurityPolicy: { useDefaults: false, directives: CONTENT_SECURITY_POLICY },
    crossOriginEmbedderPolicy: true,
    strictTransportSecurity: { maxAge: 31536000, includeSubDomains: true },
  });
  if (config.http.corsOrigins.length > 0) {
    await app.register(cors, { origin: config.http.corsOrigins, credentials: true, maxAge: 600 });
  }
  await app.register(cookie);
  await app.register(rateLimit, {
    max: config.rateLimit.max,
    timeWindow: config.rateLimit.windowSeconds * 1000,
    errorResponseBuilder: (_request, context) =>
      tooManyRequests(
        'rate_limited',
        `Too many requests; retry after ${Math.ceil(context.ttl / 1000)} seconds`,
        context.ttl / 1000,
      ),
  });
  // Before the websocket plugin: its hook must see every socket route's own handler.
  const sockets = registerWebSocketGuard(app, ctx);
  await app.register(websocket, {
    options: { maxPayload: config.http.webSocket.maxPayloadBytes },
  });
  await app.register(swagger, {
    openapi: {
      openapi: '3.0.3',
      info: {
        title: 'KubeOps API',
        version: '0.1.0',
        description: 'Manage, inspect and deliver Kubernetes clusters.',
      },
      components: {
        securitySchemes: {
          bearer: {
            type: 'http',
            scheme: 'bearer',
            description:
              'An access token from /api/v1/auth/login, or a personal API token (kop_...)',
          },
        },
      },
      security: [{ bearer: [] }],
    },
    refResolver: {
      buildLocalReference: (json, _base, _fragment, i) => String(json.$id ?? `def-${i}`),
    },
  });
  await app.register(swaggerUi, {
    routePrefix: '/api/docs',
    staticCSP: true,
    uiConfig: { deepLinking: false },
  });
  app.addSchema(ErrorBody);

  tracing?.register(app);
  registerRequestHooks(app, ctx, sockets.tickets);
  registerHealthRoutes(app, ctx, { metrics: false });
  registerWebSocketTicketRoute(app, sockets.tickets);
  app.get('/api/openapi.json', { schema: { hide: true }, config: { public: true } }, async () =>
    app.swagger(),
  );
  for (const register of modules) await register(app, ctx);
  await registerWebConsole(app, webRoot(ctx));
  return app;
}
