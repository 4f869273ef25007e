import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import {
  ClusterParams,
  EventQuery,
  LogQuery,
  NamespaceName,
  ObjectParams,
  ObjectQuery,
  RelatedObjects as RelatedBody,
  ResourceParams,
  SubdomainName,
} from '@kubeops/contracts';
import type { ServerContext } from '../context.js';
import { requireKubeAccess } from './kube-access.js';
import { invalidInput } from '../core/errors.js';
import { objectJson } from './cache-entry.js';
import { bridgeExec } from './exec-session.js';
import type { LiveClusters } from './live-clusters.js';
import { ObjectChanges } from './object-changes.js';
import { podLog, workloadLogs } from './pod-logs.js';
import { RelatedObjects } from './related-objects.js';
import { principalOf } from './principal.js';
import { errorResponses } from '../http/error-responses.js';

const errors = errorResponses(400, 401, 403, 404, 502, 503);
const tags = ['kube'];
const PodParams = Type.Object({
  cluster: ResourceParams.properties.cluster,
  namespace: NamespaceName,
  name: SubdomainName,
});
const ExecQuery = Type.Object(
  {
    container: Type.Optional(Type.String({ maxLength: 253 })),
    command: Type.Array(Type.String({ maxLength: 4096 }), {
      minItems: 1,
      maxItems: 64,
      default: ['sh'],
    }),
    tty: Type.Optional(Type.Boolean({ default: true })),
    /** The single-use ticket from POST /api/v1/ws-tickets (browsers cannot send headers on a socket). */
    ticket: Type.Optional(Type.String({ maxLength: 128 })),
  },
  { additionalProperties: false },
);
const R = '/api/v1/clusters/:cluster/resources/:group/:version/:resource/:name';

/** Logs, exec, events and related objects: looking at what runs, as the user. */
export function registerObserveRoutes(
  app: FastifyInstance,
  ctx: ServerContext,
  clusters: LiveClusters,
): void {
  const api = app.withTypeProvider<TypeBoxTypeProvider>();
  const clusterScope = (r: FastifyRequest) => ({
    cluster: (r.params as { cluster: string }).cluster,
  });
  const onCluster = requireKubeAccess(clusterScope);
  const onExec = requireKubeAccess(clusterScope, { exec: true });
  /** Pod logs can hold credentials too: every read is audited with who read it. */
  const auditLogRead = (
    request: FastifyRequest,
    namespace: string | undefined,
    kind: string,
    name: string,
  ) => {
    request.audit.read = { action: 'kube.logs.read' };
    request.audit.target = {
      cluster: (request.params as { cluster: string }).cluster,
      namespace: namespace ?? null,
      kind,
      name,
    };
  };
  const live = (request: FastifyRequest) =>
    clusters.get((request.params as { cluster: string }).cluster);
  const abortOnClose = (request: FastifyRequest) => {
    const controller = new AbortController();
    request.raw.on('close', () => controller.abort());
    return controller.signal;
  };
  const logHeaders = (name: string, download: boolean | undefined) => ({
    'content-type': 'text/plain; charset=utf-8',
    'x-content-type-options': 'nosniff',
    ...(download
      ? {
          'content-disposition': `attachment; filename="${name.replace(/[^A-Za-z0-9._-]/g, '_')}.log"`,
        }
      : {}),
  });

  api.get(
    '/api/v1/clusters/:cluster/pods/:namespace/:name/log',
    {
      preHandler: onCluster,
      schema: {
        tags,
        params: PodParams,
        querystring: LogQuery,
        produces: ['text/plain'],
        response: { 200: { type: 'string' }, ...errors },
      },
    },
    async (request, reply) => {
      auditLogRead(request, request.params.namespace, 'Pod', request.params.name);
      const cluster = await live(request);
      const client = await cluster.userClient(principalOf(request));
      const stream = await podLog(
        client,
        request.params.namespace,
        request.params.name,
        request.query,
        abortOnClose(request),
      );
      return reply.headers(logHeaders(request.params.name, request.query.download)).send(stream);
    },
  );

  api.get(
    `${R}/logs`,
    {
      preHandler: onCluster,
      schema: {
        tags,
        params: ObjectParams,
        querystring: Type.Composite([LogQuery, ObjectQuery], { additionalProperties: false }),
        produces: ['text/plain'],
        response: { 200: { type: 'string' }, ...errors },
      },
    },
    async (request, reply) => {
      const cluster = await live(request);
      const resource = await cluster.resolvePath(request.params);
      auditLogRead(request, request.query.namespace, resource.kind, request.params.name);
      const client = await cluster.userClient(principalOf(request));
      const workload = await new ObjectChanges(client, cluster.discovery).get(
        resource,
        request.query.namespace,
        request.params.name,
      );
      const stream = await workloadLogs(client, workload, request.query, abortOnClose(request));
      return reply.headers(logHeaders(request.params.name, request.query.download)).send(stream);
    },
  );

  api.get(
    `${R}/related`,
    {
      preHandler: onCluster,
      schema: {
        tags,
        params: ObjectParams,
        querystring: ObjectQuery,
        response: { 200: RelatedBody, ...errors },
      },
    },
    async (request) => {
      const cluster = await live(request);
      const principal = principalOf(request);
      const resource = await cluster.resolvePath(request.params);
      const changes = new ObjectChanges(await cluster.userClient(principal), cluster.discovery);
      const object = await changes.get(resource, request.query.namespace, request.params.name);
      return { items: await new RelatedObjects(cluster, principal, changes).of(resource, object) };
    },
  );

  api.get(
    '/api/v1/clusters/:cluster/events',
    {
      preHandler: onCluster,
      schema: {
        tags,
        params: ClusterParams,
        querystring: EventQuery,
        response: { 200: Type.Object({ items: Type.Array(Type.Unknown()) }), ...errors },
      },
    },
    async (request) => {
      const cluster = await live(request);
      const events = await cluster.resolve('core', 'v1', 'events');
      const q = request.query;
      const fields = [
        q.kind && `involvedObject.kind=${q.kind}`,
        q.name && `involvedObject.name=${q.name}`,
        q.uid && `involvedObject.uid=${q.uid}`,
      ]
        .filter(Boolean)
        .join(',');
      if (fields.includes(',,')) throw invalidInput('name', 'must not contain commas');
      const { result } = await cluster.query(principalOf(request), events, {
        namespace: q.namespace,
        fieldSelector: fields || undefined,
        sort: '-age',
        limit: q.limit,
      });
      return { items: result.items.map((e) => JSON.parse(objectJson(e)) as unknown) };
    },
  );

  app.get(
    '/api/v1/clusters/:cluster/pods/:namespace/:name/exec',
    {
      websocket: true,
      preHandler: onExec,
      schema: {
        tags,
        params: PodParams,
        querystring: ExecQuery,
        description:
          'Interactive exec: JSON frames {type: stdin|resize|close} in, {type: stdout|stderr|exit|error} out',
      },
    },
    (socket, request) => {
      const params = request.params as { cluster: string; namespace: string; name: string };
      const query = request.query as { container?: string; command: string[]; tty?: boolean };
      const principal = principalOf(request);
      const target = {
        cluster: params.cluster,
        namespace: params.namespace,
        kind: 'Pod',
        name: params.name,
      };
      const audit = (
        action: string,
        result: 'success' | 'failure',
        details: Record<string, unknown>,
      ) =>
        ctx.audit
          .record({
            action,
            result,
            actor: principal.username,
            actorId: principal.userId,
            sourceIp: request.ip,
            userAgent: request.headers['user-agent'] ?? null,
            target,
            requestId: request.id,
            details,
          })
          .catch((error: unknown) => request.log.error({ err: error }, 'audit write failed'));
      const tty = query.tty !== false;
      let started = 0;
      void bridgeExec(
        socket,
        async () => {
          const cluster = await live(request);
          const client = await cluster.userClient(principal);
          await audit('kube.exec.start', 'success', {
            container: query.container ?? null,
            command: query.command,
            tty,
          });
          started = Date.now();
          return client;
        },
        {
          namespace: params.namespace,
          pod: params.name,
          container: query.container,
          command: query.command,
          tty,
        },
      ).then(async (outcome) => {
        // A session that never started (unknown cluster, refused user) was never opened, so has no end.
        if (!started) return;
        await audit(
          'kube.exec.end',
          outcome.reason.startsWith('refused') || outcome.reason.startsWith('error')
            ? 'failure'
            : 'success',
          { ...outcome, durationMs: Date.now() - started },
        );
      });
    },
  );
}
