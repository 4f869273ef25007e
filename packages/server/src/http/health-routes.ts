import type { FastifyInstance } from 'fastify';
import { HealthStatus } from '@kubeops/contracts';
import type { Metrics } from '../core/metrics.js';
import type { ReadinessChecks } from '../core/readiness.js';

const probe = { public: true, rateLimit: false } as const;

/**
 * /healthz (the process answers), /readyz (it can serve: database, migrations, …)
 * and, unless `metrics: false`, /metrics (Prometheus). The public API port
 * leaves /metrics out: it lives on the health port, which only the cluster reaches.
 */
export function registerHealthRoutes(
  app: FastifyInstance,
  deps: { readiness: ReadinessChecks; metrics: Metrics },
  options: { metrics?: boolean } = {},
): void {
  app.get(
    '/healthz',
    { config: probe, schema: { tags: ['health'], response: { 200: HealthStatus } } },
    async () => ({
      status: 'ok' as const,
    }),
  );
  app.get(
    '/readyz',
    {
      config: probe,
      schema: { tags: ['health'], response: { 200: HealthStatus, 503: HealthStatus } },
    },
    async (_request, reply) => {
      const result = await deps.readiness.run();
      return reply
        .code(result.ok ? 200 : 503)
        .send({ status: result.ok ? 'ok' : 'unavailable', checks: result.checks });
    },
  );
  if (options.metrics === false) return;
  app.get(
    '/metrics',
    {
      config: probe,
      schema: { tags: ['health'], produces: ['text/plain'], response: { 200: { type: 'string' } } },
    },
    async (_request, reply) =>
      reply.type(deps.metrics.registry.contentType).send(await deps.metrics.registry.metrics()),
  );
}
