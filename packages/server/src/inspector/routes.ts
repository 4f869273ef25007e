import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import {
  IdParams,
  InspectionExemption,
  InspectionExemptionList,
  InspectionExemptionQuery,
  InspectionExemptionRequest,
  InspectionFindingPage,
  InspectionFindingQuery,
  InspectionRun,
  InspectionRunList,
  InspectionRunParams,
  InspectionRunQuery,
  InspectionRunRequest,
  InspectionScheduleRequest,
  InspectionTrendList,
  InspectionTrendQuery,
  NotificationChannelRequest,
  type NotificationChannelConfig,
} from '@kubeops/contracts';
import type { ServerContext } from '../context.js';
import { requirePermission } from '../auth/authorizer.js';
import { forbidden, invalidInput, unauthenticated } from '../core/errors.js';
import { kubeModuleOf } from '../kube/kube-module.js';
import type { CHANNEL_TYPES } from '../providers/notify/channels.js';
import { RUN_QUEUED_SUBJECT } from './inspection-runner.js';
import { inspectorOf } from './inspector-module.js';
import { scopeOfRun, type RunRow } from './store/run-store.js';
import { visibilityFor } from './visibility.js';
import { errorResponses } from '../http/error-responses.js';

const errors = errorResponses(400, 401, 403, 404, 409);
const tags = ['inspections'];
/** Fails to compile when the API's channel types and the notifiers drift apart. */
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
const channelTypesMatch: Same<NotificationChannelConfig['type'], (typeof CHANNEL_TYPES)[number]> =
  true;
void channelTypesMatch;

// Schedules and channels pass through as built; their views are not in @kubeops/contracts yet.
const Body = Type.Object({}, { additionalProperties: true });
const ok = { 200: Body, ...errors };
const created = { 201: Body, ...errors };

function principalOf(request: FastifyRequest) {
  if (!request.principal) throw unauthenticated();
  return request.principal;
}

function runView(run: RunRow): InspectionRun {
  const iso = (d: Date | null) => (d ? new Date(d).toISOString() : null);
  return {
    id: run.id,
    cluster: run.cluster,
    namespace: run.namespace,
    workload: scopeOfRun(run).workload ?? null,
    trigger: run.trigger,
    scheduleId: run.schedule_id,
    requestedBy: run.requested_by,
    status: run.status,
    queuedAt: iso(run.queued_at),
    startedAt: iso(run.started_at),
    finishedAt: iso(run.finished_at),
    error: run.error,
    // jsonb columns written only by completeRun, from the engine's summary and skipped kinds.
    summary: run.summary as InspectionRun['summary'],
    objectCount: run.object_count,
    counts: { new: run.new_count, resolved: run.resolved_count, regressed: run.regressed_count },
    notInspected: run.skipped as InspectionRun['notInspected'],
  };
}

/**
 * Inspection reports, findings, trends, exemptions, schedules, channels and
 * "run now". Platform roles decide who may use the feature
 * (inspections:read / inspections:write); the cluster decides, as the user,
 * which namespaces' findings they see.
 */
export function registerInspectorRoutes(app: FastifyInstance, ctx: ServerContext): void {
  const api = app.withTypeProvider<TypeBoxTypeProvider>();
  const inspector = inspectorOf(ctx);
  const scoped = (permission: string) =>
    requirePermission(permission, (request) => {
      const source = (request.body ?? request.query ?? {}) as {
        cluster?: string;
        namespace?: string;
      };
      return { cluster: source.cluster, namespace: source.namespace };
    });
  const read = scoped('inspections:read');
  const write = scoped('inspections:write');

  /** A namespace-scoped request needs the user to be able to read that namespace. */
  async function requireNamespace(request: FastifyRequest, cluster: string, namespace: string) {
    const visible = await visibilityFor(ctx, principalOf(request), cluster, {
      namespaces: [namespace],
      clusterKinds: [],
    });
    if (!visible.namespaces.includes(namespace)) {
      throw forbidden(`read namespace ${namespace}`, { cluster, namespace });
    }
  }

  api.post(
    '/api/v1/inspections/runs',
    {
      preHandler: write,
      config: { auditAction: 'inspections.run' },
      schema: { tags, body: InspectionRunRequest, response: { 202: InspectionRun, ...errors } },
    },
    async (request, reply) => {
      const body = request.body;
      await kubeModuleOf(ctx).registry.get(body.cluster);
      if (body.workload && !body.namespace) {
        throw invalidInput('namespace', 'a workload run needs the namespace of the workload');
      }
      if (body.namespace) await requireNamespace(request, body.cluster, body.namespace);
      const run = await inspector.runs.enqueue({
        cluster: body.cluster,
        namespace: body.namespace ?? null,
        workload: body.workload ?? null,
        trigger: 'manual',
        requestedBy: principalOf(request).username,
      });
      request.audit.target = {
        cluster: body.cluster,
        namespace: body.namespace ?? null,
        kind: 'InspectionRun',
        name: run.id,
      };
      await ctx.bus.publish(RUN_QUEUED_SUBJECT, { runId: run.id });
      return reply.code(202).send(runView(run));
    },
  );

  api.get(
    '/api/v1/inspections/runs',
    {
      preHandler: read,
      schema: {
        tags,
        querystring: InspectionRunQuery,
        response: { 200: InspectionRunList, ...errors },
      },
    },
    async (request) => {
      const { cluster, limit, before } = request.query;
      const runs = await inspector.runs.list(cluster, limit ?? 50, before);
      return { items: runs.map(runView) };
    },
  );

  api.get(
    '/api/v1/inspections/runs/:id',
    {
      preHandler: requirePermission('inspections:read'),
      schema: { tags, params: InspectionRunParams, response: { 200: InspectionRun, ...errors } },
    },
    async (request) => {
      const run = await inspector.runs.get(request.params.id);
      await request.server.authorizer.require(request.principal, 'inspections:read', {
        cluster: run.cluster,
      });
      if (run.namespace) await requireNamespace(request, run.cluster, run.namespace);
      return runView(run);
    },
  );

  api.get(
    '/api/v1/inspections/findings',
    {
      preHandler: read,
      schema: {
        tags,
        querystring: InspectionFindingQuery,
        response: { 200: InspectionFindingPage, ...errors },
      },
    },
    async (request) => {
      const query = request.query;
      const candidates = await inspector.queries.candidates(query.cluster);
      const visibility = await visibilityFor(ctx, principalOf(request), query.cluster, candidates);
      return inspector.queries.list(query, visibility);
    },
  );

  api.get(
    '/api/v1/inspections/trends',
    {
      preHandler: read,
      schema: {
        tags,
        querystring: InspectionTrendQuery,
        response: { 200: InspectionTrendList, ...errors },
      },
    },
    async (request) => {
      const { cluster, namespace, limit } = request.query;
      if (namespace) await requireNamespace(request, cluster, namespace);
      return { items: await inspector.queries.trends(cluster, namespace, limit ?? 30) };
    },
  );

  api.get(
    '/api/v1/inspections/exemptions',
    {
      preHandler: read,
      schema: {
        tags,
        querystring: InspectionExemptionQuery,
        response: { 200: InspectionExemptionList, ...errors },
      },
    },
    async (request) => ({ items: await inspector.exemptions.list(request.query) }),
  );

  api.post(
    '/api/v1/inspections/exemptions',
    {
      preHandler: write,
      config: { auditAction: 'inspections.exemptions.create' },
      schema: {
        tags,
        body: InspectionExemptionRequest,
        response: { 201: InspectionExemption, ...errors },
      },
    },
    async (request, reply) => {
      const body = request.body;
      const exemption = await inspector.exemptions.create(body, principalOf(request).username);
      request.audit.target = {
        cluster: body.cluster ?? null,
        namespace: body.resource?.namespace ?? null,
        kind: 'InspectionExemption',
        name: exemption.id,
      };
      request.audit.details = {
        reason: exemption.reason,
        expiresAt: exemption.expiresAt,
        ruleIds: exemption.ruleIds,
        resource: exemption.resource,
      };
      return reply.code(201).send(exemption);
    },
  );

  api.delete(
    '/api/v1/inspections/exemptions/:id',
    {
      preHandler: requirePermission('inspections:write'),
      config: { auditAction: 'inspections.exemptions.revoke' },
      schema: { tags, params: IdParams, response: { 200: InspectionExemption, ...errors } },
    },
    async (request) => {
      const exemption = await inspector.exemptions.revoke(
        request.params.id,
        principalOf(request).username,
      );
      request.audit.target = {
        cluster: exemption.cluster,
        kind: 'InspectionExemption',
        name: exemption.id,
      };
      request.audit.details = { reason: exemption.reason };
      return exemption;
    },
  );

  api.get(
    '/api/v1/inspections/schedules',
    { preHandler: requirePermission('inspections:read'), schema: { tags, response: ok } },
    async () => ({ items: await inspector.schedules.list() }),
  );

  api.post(
    '/api/v1/inspections/schedules',
    {
      preHandler: write,
      config: { auditAction: 'inspections.schedules.create' },
      schema: { tags, body: InspectionScheduleRequest, response: created },
    },
    async (request, reply) => {
      await kubeModuleOf(ctx).registry.get(request.body.cluster);
      const schedule = await inspector.schedules.create(
        request.body,
        principalOf(request).username,
      );
      request.audit.target = {
        cluster: schedule.cluster,
        namespace: schedule.namespace,
        kind: 'InspectionSchedule',
        name: schedule.name,
      };
      return reply.code(201).send(schedule);
    },
  );

  api.delete(
    '/api/v1/inspections/schedules/:id',
    {
      preHandler: requirePermission('inspections:write'),
      config: { auditAction: 'inspections.schedules.delete' },
      schema: { tags, params: IdParams, response: ok },
    },
    async (request) => {
      const schedule = await inspector.schedules.remove(request.params.id);
      request.audit.target = {
        cluster: schedule.cluster,
        kind: 'InspectionSchedule',
        name: schedule.name,
      };
      return schedule;
    },
  );

  api.get(
    '/api/v1/inspections/channels',
    { preHandler: requirePermission('inspections:read'), schema: { tags, response: ok } },
    async () => ({ items: await inspector.channels.list() }),
  );

  api.post(
    '/api/v1/inspections/channels',
    {
      preHandler: requirePermission('inspections:write'),
      config: { auditAction: 'inspections.channels.create' },
      schema: { tags, body: NotificationChannelRequest, response: created },
    },
    async (request, reply) => {
      const channel = await inspector.channels.create(request.body, principalOf(request).username);
      // The configuration holds tokens and passwords: only the type goes in the audit log.
      request.audit.target = {
        cluster: channel.cluster,
        kind: 'InspectionChannel',
        name: channel.name,
      };
      request.audit.details = { type: channel.type };
      return reply.code(201).send(channel);
    },
  );

  api.delete(
    '/api/v1/inspections/channels/:id',
    {
      preHandler: requirePermission('inspections:write'),
      config: { auditAction: 'inspections.channels.delete' },
      schema: { tags, params: IdParams, response: ok },
    },
    async (request) => {
      const channel = await inspector.channels.remove(request.params.id);
      request.audit.target = { kind: 'InspectionChannel', name: channel.name };
      return channel;
    },
  );

  api.post(
    '/api/v1/inspections/channels/:id/test',
    {
      preHandler: requirePermission('inspections:write'),
      config: { auditAction: 'inspections.channels.test' },
      schema: { tags, params: IdParams, response: ok },
    },
    async (request) => {
      // The test itself succeeds whether or not the channel's endpoint takes the
      // message; what happened is the answer (and the audit record's result).
      const delivery = await inspector.channels.test(request.params.id, {
        cluster: 'test',
        scope: 'a test notification',
        runId: '0',
        overallScore: 100,
        scores: {
          reliability: 100,
          configuration: 100,
          security: 100,
          cost: 100,
          anomaly: 100,
          logs: 100,
        },
        counts: { total: 0, new: 0, regressed: 0, resolved: 0 },
        findings: [],
        time: new Date().toISOString(),
      });
      request.audit.details = delivery;
      return delivery;
    },
  );
}
