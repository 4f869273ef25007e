import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import {
  IdParams,
  Role,
  RoleBinding,
  RoleBindingCreateRequest,
  RoleBindingList,
  RoleCreateRequest,
  RoleList,
  RoleNameParams,
  RoleUpdateRequest,
  SubjectKind,
} from '@kubeops/contracts';
import type { ServerContext } from '../../context.js';
import { requirePermission } from '../authorizer.js';
import { errorResponses } from '../../http/error-responses.js';

const errors = errorResponses(400, 401, 403, 404, 409);
const tags = ['roles'];

/** Platform roles and who holds them, globally or per cluster and namespace. */
export function registerRoleRoutes(app: FastifyInstance, ctx: ServerContext): void {
  const api = app.withTypeProvider<TypeBoxTypeProvider>();
  const read = requirePermission('roles:read');
  const write = requirePermission('roles:write');

  api.get(
    '/api/v1/roles',
    { preHandler: read, schema: { tags, response: { 200: RoleList, ...errors } } },
    async () => ({
      items: await ctx.roles.list(),
    }),
  );

  api.post(
    '/api/v1/roles',
    {
      preHandler: write,
      config: { auditAction: 'roles.create' },
      schema: { tags, body: RoleCreateRequest, response: { 201: Role, ...errors } },
    },
    async (request, reply) => {
      request.audit.target = { kind: 'Role', name: request.body.name };
      request.audit.details = { permissions: request.body.permissions };
      const role = await ctx.roles.create(
        request.body.name,
        request.body.description ?? '',
        request.body.permissions,
      );
      return reply.code(201).send(role);
    },
  );

  api.put(
    '/api/v1/roles/:name',
    {
      preHandler: write,
      config: { auditAction: 'roles.update' },
      schema: {
        tags,
        params: RoleNameParams,
        body: RoleUpdateRequest,
        response: { 200: Role, ...errors },
      },
    },
    async (request) => {
      request.audit.target = { kind: 'Role', name: request.params.name };
      request.audit.details = { permissions: request.body.permissions };
      return ctx.roles.update(request.params.name, request.body);
    },
  );

  api.delete(
    '/api/v1/roles/:name',
    {
      preHandler: write,
      config: { auditAction: 'roles.delete' },
      schema: { tags, params: RoleNameParams, response: { 204: Type.Null(), ...errors } },
    },
    async (request, reply) => {
      request.audit.target = { kind: 'Role', name: request.params.name };
      await ctx.roles.delete(request.params.name);
      return reply.code(204).send(null);
    },
  );

  api.get(
    '/api/v1/role-bindings',
    {
      preHandler: read,
      schema: {
        tags,
        querystring: Type.Object(
          {
            subjectKind: Type.Optional(SubjectKind),
            subject: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
          },
          { additionalProperties: false },
        ),
        response: { 200: RoleBindingList, ...errors },
      },
    },
    async (request) => ({ items: await ctx.roles.listBindings(request.query) }),
  );

  api.post(
    '/api/v1/role-bindings',
    {
      preHandler: write,
      config: { auditAction: 'roles.bind' },
      schema: { tags, body: RoleBindingCreateRequest, response: { 201: RoleBinding, ...errors } },
    },
    async (request, reply) => {
      const b = request.body;
      request.audit.target = {
        kind: 'RoleBinding',
        name: `${b.role}:${b.subjectKind}:${b.subject}`,
        cluster: b.cluster ?? null,
        namespace: b.namespace ?? null,
      };
      return reply.code(201).send(await ctx.roles.bind(b));
    },
  );

  api.delete(
    '/api/v1/role-bindings/:id',
    {
      preHandler: write,
      config: { auditAction: 'roles.unbind' },
      schema: { tags, params: IdParams, response: { 200: RoleBinding, ...errors } },
    },
    async (request) => {
      request.audit.target = { kind: 'RoleBinding', name: request.params.id };
      const removed = await ctx.roles.unbind(request.params.id);
      request.audit.target = {
        kind: 'RoleBinding',
        name: `${removed.role}:${removed.subjectKind}:${removed.subject}`,
        cluster: removed.cluster,
        namespace: removed.namespace,
      };
      return removed;
    },
  );
}
