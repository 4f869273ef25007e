import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { ClusterParams, ClusterUsage, ClusterUsageQuery } from '@kubeops/contracts';
import { parseQuantity } from '@kubeops/inspect';
import type { ServerContext } from '../../context.js';
import type { Principal } from '../../auth/authorizer.js';
import { requirePermission } from '../../auth/authorizer.js';
import { errorResponses } from '../../http/error-responses.js';
import { objectJson } from '../../kube/cache-entry.js';
import { kubeModuleOf } from '../../kube/kube-module.js';
import type { LiveCluster } from '../../kube/live-cluster.js';
import { principalOf } from '../../kube/principal.js';
import { clusterUsageOf, type NodeCapacities } from './cluster-usage.js';

/** How long the usage answer waits for a first listing of the nodes before it goes on without capacity. */
const NODES_WAIT_MS = 5000;

interface NodeObject {
  metadata: { name: string };
  status?: {
    allocatable?: Record<string, string>;
    capacity?: Record<string, string>;
  };
}

/**
 * The nodes' allocatable and capacity from the cluster's node cache (the one
 * the explorer uses), read only when the user may list nodes: cluster-wide
 * usage names every namespace, so it is cluster-scope information.
 */
async function nodeCapacities(live: LiveCluster, principal: Principal): Promise<NodeCapacities> {
  const resource = await live.discovery.resolve('', 'v1', 'nodes');
  await live.listableNamespaces(await live.userClient(principal), resource, undefined);
  const cache = live.cache(resource);
  try {
    await cache.ready(NODES_WAIT_MS);
  } catch (error) {
    return { failure: `nodes: ${(error as Error).message}` };
  }
  const resources = (of: Record<string, string> | undefined) => ({
    cpu: parseQuantity(of?.cpu),
    memory: parseQuantity(of?.memory),
  });
  return {
    nodes: [...cache.entries.values()].map((entry) => {
      const node = JSON.parse(objectJson(entry)) as NodeObject;
      return {
        name: node.metadata.name,
        allocatable: resources(node.status?.allocatable),
        capacity: resources(node.status?.capacity),
      };
    }),
  };
}

/** `GET /api/v1/clusters/{cluster}/usage`: the overview's CPU and memory panel. */
export function registerClusterUsageRoutes(app: FastifyInstance, ctx: ServerContext): void {
  const api = app.withTypeProvider<TypeBoxTypeProvider>();
  const reader = clusterUsageOf(ctx.config.metrics);
  const { clusters } = kubeModuleOf(ctx);

  api.get(
    '/api/v1/clusters/:cluster/usage',
    {
      preHandler: requirePermission('clusters:read', (r) => ({
        cluster: (r.params as { cluster: string }).cluster,
        anyNamespace: true,
      })),
      schema: {
        tags: ['clusters'],
        summary: 'CPU and memory use against what the nodes can give (needs metrics.url)',
        params: ClusterParams,
        querystring: ClusterUsageQuery,
        response: { 200: ClusterUsage, ...errorResponses(400, 401, 403, 404, 502, 504) },
      },
    },
    async (request) => {
      const live = await clusters.get(request.params.cluster);
      if (!reader) return { configured: false as const };
      const capacities = await nodeCapacities(live, principalOf(request));
      return reader.read(live.name, capacities, request.query.minutes ?? 60, new Date());
    },
  );
}
