import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import type { Config } from './core/config.js';
import { runsTarget } from './core/config.js';
import type { Logger } from './core/logging.js';
import { createContext, type ServerContext } from './context.js';
import { buildApp } from './http/app.js';
import { errorHandler } from './http/error-handler.js';
import { registerHealthRoutes } from './http/health-routes.js';
import { TARGET_COMPONENTS } from './targets.js';

export interface RunningServer {
  ctx: ServerContext;
  /** Where each listener is bound, e.g. { api: 'http://127.0.0.1:8000' }. */
  addresses: Record<string, string>;
  close(): Promise<void>;
}

const DAY_MS = 86_400_000;

/** /healthz, /readyz and /metrics alone: a target with no API of its own, and the api's metrics port. */
export async function buildHealthApp(ctx: ServerContext): Promise<FastifyInstance> {
  const app = Fastify({
    loggerInstance: ctx.logger as FastifyBaseLogger,
    forceCloseConnections: 'idle',
    return503OnClosing: true,
  });
  app.setErrorHandler(errorHandler);
  registerHealthRoutes(app, ctx);
  return app;
}

async function listen(
  ctx: ServerContext,
  name: string,
  app: FastifyInstance,
  port: number,
): Promise<string> {
  // Shutdown stops accepting, lets in-flight requests finish, then closes idle sockets.
  ctx.lifecycle.onClose(`http:${name}`, () => app.close());
  const address = await app.listen({ host: ctx.config.http.host, port });
  return address;
}

/** `kubeops serve`: runs the targets of config.targets in this process. */
export async function startServer(config: Config, logger: Logger): Promise<RunningServer> {
  const ctx = await createContext(config, logger);
  const addresses: Record<string, string> = {};
  try {
    if (runsTarget(config, 'api')) {
      addresses.api = await listen(ctx, 'api', await buildApp(ctx), config.http.port);
      // /metrics is not on the public port; Prometheus scrapes it here.
      if (config.http.metricsPort > 0) {
        addresses.metrics = await listen(
          ctx,
          'metrics',
          await buildHealthApp(ctx),
          config.http.metricsPort,
        );
      }
    }
    for (const target of ['cdc', 'inspector'] as const) {
      if (!runsTarget(config, target)) continue;
      if (!runsTarget(config, 'api')) {
        addresses[target] = await listen(
          ctx,
          target,
          await buildHealthApp(ctx),
          config[target].port,
        );
      }
      for (const component of TARGET_COMPONENTS[target]) {
        const stop = await component.start(ctx);
        ctx.lifecycle.onClose(component.name, stop);
        logger.info({ target, component: component.name }, 'started');
      }
    }
    if (runsTarget(config, 'api')) startAuditRetention(ctx);
  } catch (error) {
    await ctx.lifecycle.close();
    throw error;
  }
  return { ctx, addresses, close: () => ctx.lifecycle.close() };
}

function startAuditRetention(ctx: ServerContext): void {
  const run = () =>
    ctx.audit
      .applyRetention(
        ctx.config.audit.retentionDays,
        ctx.config.audit.archive ? ctx.objects : undefined,
      )
      .then(
        ({ removed, archivedTo }) =>
          removed > 0 &&
          ctx.logger.info(
            {
              removed,
              ...(archivedTo ? { archivedTo: `${ctx.objects.location}${archivedTo}` } : {}),
            },
            'audit retention removed old entries',
          ),
      )
      .catch((error: unknown) => ctx.logger.error({ err: error }, 'audit retention failed'));
  void run();
  const timer = setInterval(run, DAY_MS);
  timer.unref();
  ctx.lifecycle.onClose('audit-retention', () => clearInterval(timer));
}

/** The address a person should open, e.g. http://localhost:8000/. */
export function signInUrl(config: Config, apiAddress: string): string {
  if (config.http.publicUrl) return config.http.publicUrl;
  const url = new URL(apiAddress);
  if (url.hostname === '0.0.0.0' || url.hostname === '[::]' || url.hostname === '::')
    url.hostname = 'localhost';
  return url.toString();
}
