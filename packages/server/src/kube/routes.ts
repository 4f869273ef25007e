import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import {
  ApiGroupParam,
  ApiVersionParam,
  ApplyRequest,
  ApplyResult,
  ChangeResult,
  ClusterParams,
  DeleteQuery,
  Discovery as DiscoveryBody,
  DryRunQuery,
  NamespaceList,
  ObjectParams,
  ObjectQuery,
  PatchRequest,
  ResourcePage,
  ResourceParams,
  ResourceQuery,
  RolloutRequest,
  ScaleRequest,
} from '@kubeops/contracts';
import type { ServerContext } from '../context.js';
import { requireKubeAccess } from './kube-access.js';
import { isSensitive, sensitiveReadAuditor } from './sensitive-reads.js';
import { principalOf } from './principal.js';
import { registerObserveRoutes } from './observe-routes.js';
import { kubeModuleOf } from './kube-module.js';
import type { LiveCluster } from './live-cluster.js';
import { ObjectChanges } from './object-changes.js';
import { rowJson } from './resource-query.js';
import { LiveSocket } from './live-socket.js';
import { errorResponses } from '../http/error-responses.js';

const errors = errorResponses(400, 401, 403, 404, 409, 422, 502, 503);
const tags = ['kube'];
const R = '/api/v1/clusters/:cluster/resources/:group/:version/:resource';
const AnyObject = Type.Object({}, { additionalProperties: true });

/** Reads and changes of any resource of a registered cluster, served from caches and made as the user. */
export function registerKubeRoutes(app: FastifyInstance, ctx: ServerContext): void {
  const api = app.withTypeProvider<TypeBoxTypeProvider>();
  const { clusters } = kubeModuleOf(ctx);
  const onCluster = requireKubeAccess((r) => ({
    cluster: (r.params as { cluster: string }).cluster,
    anyNamespace: true,
  }));
  const live = (request: FastifyRequest) =>
    clusters.get((request.params as { cluster: string }).cluster);
  const changesFor = async (request: FastifyRequest, cluster: LiveCluster) =>
    new ObjectChanges(await cluster.userClient(principalOf(request)), cluster.discovery);
  const target = (
    request: FastifyRequest,
    kind: string,
    namespace: string | undefined,
    name: string,
  ) => {
    request.audit.target = {
      cluster: (request.params as { cluster: string }).cluster,
      namespace: namespace ?? null,
      kind,
      name,
    };
  };

  api.get(
    '/api/v1/clusters/:cluster/discovery',
    {
      preHandler: onCluster,
      schema: { tags, params: ClusterParams, response: { 200: DiscoveryBody, ...errors } },
    },
    async (request) => (await live(request)).discovery.all(),
  );

  api.get(
    '/api/v1/clusters/:cluster/openapi/:group/:version',
    {
      preHandler: onCluster,
      schema: {
        tags,
        params: Type.Object({
          cluster: ClusterParams.properties.cluster,
          group: ApiGroupParam,
          version: ApiVersionParam,
        }),
        response: { 200: AnyObject, ...errors },
      },
    },
    async (request) => {
      const cluster = await live(request);
      return (await cluster.discovery.openApiSchema(
        await cluster.userClient(principalOf(request)),
        request.params.group === 'core' ? '' : request.params.group,
        request.params.version,
      )) as Record<string, unknown>;
    },
  );

  api.get(
    '/api/v1/clusters/:cluster/namespaces',
    {
      preHandler: onCluster,
      schema: { tags, params: ClusterParams, response: { 200: NamespaceList, ...errors } },
    },
    async (request) => (await live(request)).usableNamespaces(principalOf(request)),
  );

  api.get(
    R,
    {
      preHandler: onCluster,
      schema: {
        tags,
        params: ResourceParams,
        querystring: ResourceQuery,
        response: { 200: ResourcePage, ...errors },
      },
    },
    async (request, reply) => {
      const cluster = await live(request);
      const { group, version, resource } = request.params;
      const api = await cluster.resolve(group, version, resource);
      if (isSensitive(api)) {
        request.audit.read = { action: 'kube.secret.list' };
        target(request, api.kind, request.query.namespace, '');
      }
      const { cache, result } = await cluster.query(principalOf(request), api, request.query);
      const withObjects = request.query.include === 'objects';
      // Rows are serialized once per object version and reused, so a page costs a string join.
      const body =
        `{"columns":${JSON.stringify(cache.columns)},"items":[${result.items.map((e) => rowJson(e, withObjects)).join(',')}],` +
        `"total":${result.total},"nextCursor":${JSON.stringify(result.nextCursor)},` +
        `"resourceVersion":${JSON.stringify(cache.resourceVersion ?? null)},"cache":${JSON.stringify(cache.status())}}`;
      return reply.type('application/json; charset=utf-8').send(body);
    },
  );

  api.post(
    R,
    {
      preHandler: onCluster,
      config: { auditAction: 'kube.create' },
      schema: {
        tags,
        params: ResourceParams,
        querystring: DryRunQuery,
        body: AnyObject,
        // 200 for a dry run (nothing created), 201 when the object was created.
        response: { 200: ChangeResult, 201: ChangeResult, ...errors },
      },
    },
    async (request, reply) => {
      const cluster = await live(request);
      const api = await cluster.resolvePath(request.params);
      const body = request.body as { metadata?: { name?: string; namespace?: string } };
      const namespace = request.query.namespace ?? body.metadata?.namespace;
      target(request, api.kind, namespace, body.metadata?.name ?? '');
      request.audit.details = { dryRun: !!request.query.dryRun };
      const result = await (
        await changesFor(request, cluster)
      ).create(api, namespace, request.body, request.query.dryRun);
      return reply.code(request.query.dryRun ? 200 : 201).send(result);
    },
  );

  api.get(
    `${R}/:name`,
    {
      preHandler: onCluster,
      schema: {
        tags,
        params: ObjectParams,
        querystring: ObjectQuery,
        response: { 200: AnyObject, ...errors },
      },
    },
    async (request) => {
      const cluster = await live(request);
      const api = await cluster.resolvePath(request.params);
      if (isSensitive(api)) {
        request.audit.read = { action: 'kube.secret.get' };
        target(request, api.kind, request.query.namespace, request.params.name);
      }
      return (await changesFor(request, cluster)).get(
        api,
        request.query.namespace,
        request.params.name,
      );
    },
  );

  api.patch(
    `${R}/:name`,
    {
      preHandler: onCluster,
      config: { auditAction: 'kube.patch' },
      schema: {
        tags,
        params: ObjectParams,
        querystring: DryRunQuery,
        body: PatchRequest,
        response: { 200: ChangeResult, ...errors },
      },
    },
    async (request) => {
      const cluster = await live(request);
      const api = await cluster.resolvePath(request.params);
      target(request, api.kind, request.query.namespace, request.params.name);
      request.audit.details = { dryRun: !!request.query.dryRun, patchType: request.body.type };
      return (await changesFor(request, cluster)).patch(
        api,
        request.query.namespace,
        request.params.name,
        request.body,
        request.query.dryRun,
      );
    },
  );

  api.delete(
    `${R}/:name`,
    {
      preHandler: onCluster,
      config: { auditAction: 'kube.delete' },
      schema: {
        tags,
        params: ObjectParams,
        querystring: DeleteQuery,
        response: { 200: ChangeResult, ...errors },
      },
    },
    async (request) => {
      const cluster = await live(request);
      const api = await cluster.resolvePath(request.params);
      target(request, api.kind, request.query.namespace, request.params.name);
      request.audit.details = {
        dryRun: !!request.query.dryRun,
        propagationPolicy: request.query.propagationPolicy ?? null,
      };
      return (await changesFor(request, cluster)).delete(
        api,
        request.query.namespace,
        request.params.name,
        request.query,
      );
    },
  );

  api.post(
    `${R}/:name/scale`,
    {
      preHandler: onCluster,
      config: { auditAction: 'kube.scale' },
      schema: {
        tags,
        params: ObjectParams,
        querystring: ObjectQuery,
        body: ScaleRequest,
        response: { 200: ChangeResult, ...errors },
      },
    },
    async (request) => {
      const cluster = await live(request);
      const api = await cluster.resolvePath(request.params);
      target(request, api.kind, request.query.namespace, request.params.name);
      request.audit.details = { dryRun: !!request.body.dryRun, replicas: request.body.replicas };
      return (await changesFor(request, cluster)).scale(
        api,
        request.query.namespace,
        request.params.name,
        request.body.replicas,
        request.body.dryRun,
      );
    },
  );

  for (const action of ['restart', 'undo'] as const) {
    api.post(
      `${R}/:name/${action}`,
      {
        preHandler: onCluster,
        config: { auditAction: `kube.rollout-${action}` },
        schema: {
          tags,
          params: ObjectParams,
          querystring: ObjectQuery,
          body: RolloutRequest,
          response: { 200: ChangeResult, ...errors },
        },
      },
      async (request) => {
        const cluster = await live(request);
        const api = await cluster.resolvePath(request.params);
        target(request, api.kind, request.query.namespace, request.params.name);
        request.audit.details = { dryRun: !!request.body?.dryRun };
        const changes = await changesFor(request, cluster);
        return changes[action](
          api,
          request.query.namespace,
          request.params.name,
          request.body?.dryRun,
        );
      },
    );
  }

  registerLiveRoutes(app, ctx);
  registerObserveRoutes(app, ctx, clusters);

  api.post(
    '/api/v1/clusters/:cluster/apply',
    {
      preHandler: onCluster,
      config: { auditAction: 'kube.apply' },
      schema: {
        tags,
        params: ClusterParams,
        body: ApplyRequest,
        response: { ...errors, 200: ApplyResult, 422: ApplyResult },
      },
    },
    async (request, reply) => {
      const cluster = await live(request);
      const result = await (
        await changesFor(request, cluster)
      ).apply(request.body.manifest, request.body);
      request.audit.target = {
        cluster: request.params.cluster,
        namespace: request.body.namespace ?? null,
      };
      request.audit.details = {
        dryRun: !!request.body.dryRun,
        documents: result.documents.map((d) => ({
          index: d.index,
          kind: d.kind,
          namespace: d.namespace,
          name: d.name,
          ok: d.ok,
          action: d.action ?? null,
          error: d.error?.message ?? null,
        })),
      };
      // Some documents may have been applied: the body says which; 207-like, but plain clients see a failure status.
      return reply.code(result.ok ? 200 : 422).send(result);
    },
  );
}

/** The multiplexed live socket, `/api/v1/ws`; authenticated like every /api route (bearer header or ?ticket=). */
function registerLiveRoutes(app: FastifyInstance, ctx: ServerContext): void {
  const { clusters } = kubeModuleOf(ctx);
  app.get(
    '/api/v1/ws',
    {
      websocket: true,
      schema: { tags, description: 'Live resource subscriptions (see LiveClientMessage)' },
    },
    (socket, request) => {
      const principal = principalOf(request);
      const auditRead = sensitiveReadAuditor(ctx.audit, request, principal);
      new LiveSocket(socket, principal, clusters, ctx.authorizer, request.trackedSocket, auditRead);
    },
  );
}
