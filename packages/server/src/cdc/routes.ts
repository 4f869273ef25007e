import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import {
  ChangeCloudEvent,
  ChangeCountQuery,
  ChangeCounts,
  ChangePage,
  ChangeScopeQuery,
  HistoryObjectParams,
  ObjectAsOf,
  ObjectAsOfQuery,
  ObjectHistoryQuery,
  VersionDiff,
  VersionDiffQuery,
} from '@kubeops/contracts';
import type { ServerContext } from '../context.js';
import { requirePermission } from '../auth/authorizer.js';
import { groupOf } from '../kube/discovery.js';
import { kubeModuleOf } from '../kube/kube-module.js';
import { principalOf } from '../kube/principal.js';
import { errorResponses } from '../http/error-responses.js';
import { HistoryQueries, type ObjectRef } from './history-queries.js';
import { HistoryVisibility } from './history-visibility.js';

const errors = errorResponses(400, 401, 403, 404);
type ScopeFields = Pick<
  ChangeScopeQuery,
  'clusters' | 'namespaces' | 'kinds' | 'actor' | 'since' | 'until' | 'events'
>;
const tags = ['history'];
const OBJECT = '/api/v1/clusters/:cluster/history/:group/:resource/:name';

const list = (value: string | undefined) =>
  value
    ?.split(',')
    .map((v) => v.trim())
    .filter(Boolean);

/**
 * The change history, read from PostgreSQL (served by the api target; the cdc
 * target writes it). A user sees the history of what they may `get` in the
 * cluster now, asked of the cluster as them; Secret history thus needs `get secrets`.
 */
export function registerHistoryRoutes(app: FastifyInstance, ctx: ServerContext): void {
  const api = app.withTypeProvider<TypeBoxTypeProvider>();
  const queries = new HistoryQueries(ctx.db);
  const visibility = new HistoryVisibility(ctx, kubeModuleOf(ctx).clusters);
  // The event schema is documented in the OpenAPI document (components) for bus consumers.
  app.addSchema(ChangeCloudEvent);
  const onCluster = requirePermission('clusters:read', (r) => ({
    cluster: (r.params as { cluster: string }).cluster,
    anyNamespace: true,
  }));

  const objectRef = async (request: FastifyRequest): Promise<ObjectRef> => {
    const params = request.params as HistoryObjectParams;
    const query = request.query as { namespace?: string };
    const ref = {
      cluster: params.cluster,
      group: groupOf(params.group),
      resource: params.resource,
      namespace: query.namespace ?? '',
      name: params.name,
    };
    await visibility.requireGet(principalOf(request), ref);
    return ref;
  };

  /** The scope a changes or counts query asked for, narrowed to what the caller may see. */
  const visibleScope = async (request: FastifyRequest, q: ScopeFields) => {
    const filter = await visibility.scope(principalOf(request), {
      clusters: list(q.clusters),
      namespaces: list(q.namespaces),
      kinds: list(q.kinds),
    });
    return { ...filter, actor: q.actor, since: q.since, until: q.until, events: q.events };
  };

  api.get(
    '/api/v1/history/changes',
    {
      schema: { tags, querystring: ChangeScopeQuery, response: { 200: ChangePage, ...errors } },
    },
    async (request) =>
      queries.changes(
        await visibleScope(request, request.query),
        request.query.limit ?? 100,
        request.query.cursor,
      ),
  );

  api.get(
    '/api/v1/history/counts',
    {
      schema: { tags, querystring: ChangeCountQuery, response: { 200: ChangeCounts, ...errors } },
    },
    async (request) =>
      queries.counts(await visibleScope(request, request.query), request.query.bucket ?? 'hour'),
  );

  api.get(
    OBJECT,
    {
      preHandler: onCluster,
      schema: {
        tags,
        params: HistoryObjectParams,
        querystring: ObjectHistoryQuery,
        response: { 200: ChangePage, ...errors },
      },
    },
    async (request) =>
      queries.objectHistory(
        await objectRef(request),
        request.query.limit ?? 100,
        request.query.cursor,
      ),
  );

  api.get(
    `${OBJECT}/as-of`,
    {
      preHandler: onCluster,
      schema: {
        tags,
        params: HistoryObjectParams,
        querystring: ObjectAsOfQuery,
        response: { 200: ObjectAsOf, ...errors },
      },
    },
    async (request) => queries.asOf(await objectRef(request), request.query.time),
  );

  api.get(
    `${OBJECT}/diff`,
    {
      preHandler: onCluster,
      schema: {
        tags,
        params: HistoryObjectParams,
        querystring: VersionDiffQuery,
        response: { 200: VersionDiff, ...errors },
      },
    },
    async (request) =>
      queries.diff(
        await objectRef(request),
        request.query.from,
        request.query.to,
        request.query.uid,
      ),
  );
}
