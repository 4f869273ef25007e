import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import {
  Cluster,
  ClusterCreateRequest,
  ClusterCreateResponse,
  ClusterList,
  ClusterParams,
  KubeconfigContexts,
  KubeconfigContextsRequest,
  Ok,
} from '@kubeops/contracts';
import type { ServerContext } from '../context.js';
import { requirePermission } from '../auth/authorizer.js';
import { kubeModuleOf } from '../kube/kube-module.js';
import { contextsOf, parseKubeconfig } from './kubeconfig.js';
import { publishClusterChange, type ClusterChange } from './cluster-events.js';
import { errorResponses } from '../http/error-responses.js';

const errors = errorResponses(400, 401, 403, 404, 409, 422);
const tags = ['clusters'];

/** Registering clusters and reading their health. Credentials go in and never come back out. */
export function registerClusterRoutes(app: FastifyInstance, ctx: ServerContext): void {
  const api = app.withTypeProvider<TypeBoxTypeProvider>();
  const { registry, clusters } = kubeModuleOf(ctx);
  const read = requirePermission('clusters:read');
  const write = requirePermission('clusters:write');
  // The change is stored; a replica that misses the event still reads the registry on its next connect.
  const announce = (change: ClusterChange) =>
    publishClusterChange(ctx.bus, change).catch((error: unknown) =>
      ctx.logger.error(
        { err: error, cluster: change.name },
        'could not publish the cluster change',
      ),
    );

  api.get(
    '/api/v1/clusters',
    { preHandler: read, schema: { tags, response: { 200: ClusterList, ...errors } } },
    async () => ({ items: await registry.list() }),
  );

  api.post(
    '/api/v1/clusters/kubeconfig-contexts',
    {
      preHandler: write,
      config: { auditAction: 'clusters.inspect-kubeconfig' },
      schema: {
        tags,
        body: KubeconfigContextsRequest,
        response: { 200: KubeconfigContexts, ...errors },
      },
    },
    async (request) => {
      request.audit.skip = true;
      return { items: contextsOf(parseKubeconfig(request.body.kubeconfig)) };
    },
  );

  api.post(
    '/api/v1/clusters',
    {
      preHandler: write,
      config: { auditAction: 'clusters.register' },
      schema: {
        tags,
        body: ClusterCreateRequest,
        response: { 201: ClusterCreateResponse, ...errors },
      },
    },
    async (request, reply) => {
      const created = await registry.register(request.body, request.principal?.username ?? null);
      request.audit.target = {
        kind: 'Cluster',
        cluster: created.map((c) => c.name).join(','),
        name: created.map((c) => c.name).join(','),
      };
      request.audit.details = {
        source: request.body.source,
        warnings: created.flatMap((c) => c.warnings.map((w) => `${c.name}: ${w.code}`)),
      };
      return reply.code(201).send({ items: created });
    },
  );

  api.get(
    '/api/v1/clusters/:cluster',
    {
      preHandler: requirePermission('clusters:read', (r) => ({
        cluster: (r.params as { cluster: string }).cluster,
      })),
      schema: { tags, params: ClusterParams, response: { 200: Cluster, ...errors } },
    },
    async (request) => registry.get(request.params.cluster),
  );

  api.post(
    '/api/v1/clusters/:cluster/probe',
    {
      preHandler: requirePermission('clusters:read', (r) => ({
        cluster: (r.params as { cluster: string }).cluster,
      })),
      config: { auditAction: 'clusters.probe' },
      schema: { tags, params: ClusterParams, response: { 200: Cluster, ...errors } },
    },
    async (request) => {
      request.audit.skip = true;
      return registry.probe(request.params.cluster);
    },
  );

  api.patch(
    '/api/v1/clusters/:cluster',
    {
      preHandler: write,
      config: { auditAction: 'clusters.update' },
      schema: {
        tags,
        params: ClusterParams,
        body: ClusterCreateRequest,
        response: { 200: Cluster, ...errors },
      },
    },
    async (request) => {
      const name = request.params.cluster;
      request.audit.target = { kind: 'Cluster', cluster: name, name };
      request.audit.details = { source: request.body.source };
      const updated = await registry.replaceConnection(name, request.body);
      request.audit.details.warnings = updated.warnings.map((w) => w.code);
      await clusters.drop(name);
      await announce({ id: updated.id, name, reason: 'reconnected' });
      return updated;
    },
  );

  api.delete(
    '/api/v1/clusters/:cluster',
    {
      preHandler: write,
      config: { auditAction: 'clusters.remove' },
      schema: { tags, params: ClusterParams, response: { 200: Ok, ...errors } },
    },
    async (request) => {
      request.audit.target = {
        kind: 'Cluster',
        cluster: request.params.cluster,
        name: request.params.cluster,
      };
      const id = await registry.remove(request.params.cluster);
      await clusters.drop(request.params.cluster);
      await announce({ id, name: request.params.cluster, reason: 'removed' });
      return { ok: true as const };
    },
  );
}
