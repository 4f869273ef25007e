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
import { principalOf, requirePermission, type Principal } from '../authorizer.js';
import type { Rights } from '../privilege.js';
import { invalidInput } from '../../core/errors.js';
import { errorResponses } from '../../http/error-responses.js';

const errors = errorResponses(400, 401, 403, 404, 409, 422);
const globally = (permissions: string[]): Rights => ({
  permissions,
  cluster: null,
  namespace: null,
});
const tags = ['roles'];

/**
 * Binding or unbinding a role is granting or taking away its permissions at
 * the binding's place: the caller must hold them there, and must outrank a
 * user subject (see Authorizer.requireOutranks).
 */
async function requireMayChangeBinding(
  ctx: ServerContext,
  principal: Principal,
  binding: Pick<RoleBinding, 'role' | 'subjectKind' | 'subject'> & {
    cluster?: string | null | undefined;
    namespace?: string | null | undefined;
  },
): Promise<void> {
  const role = await ctx.roles.get(binding.role).catch(() => {
    throw invalidInput('body.role', `role ${binding.role} does not exist`);
  });
  await ctx.authorizer.requireCanGrant(
    principal,
    [
      {
        permissions: role.permissions,
        cluster: binding.cluster ?? null,
        namespace: binding.namespace ?? null,
      },
    ],
    'body.role',
  );
  if (binding.subjectKind === 'user') {
    // By id or username, as RoleStore.bind resolves it (which refuses a user that does not exist).
    const user =
      (await ctx.users.byId(binding.subject)) ?? (await ctx.users.byUsername(binding.subject));
    if (user) await ctx.authorizer.requireOutranks(principal, user);
  }
}

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
      await ctx.authorizer.requireCanGrant(
        principalOf(request),
        [globally(request.body.permissions)],
        'body.permissions',
      );
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
      // Whoever holds the role gains the new permissions and loses the old ones.
      const before = await ctx.roles.get(request.params.name);
      await ctx.authorizer.requireCanGrant(
        principalOf(request),
        [globally(request.body.permissions), globally(before.permissions)],
        'body.permissions',
      );
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
      const role = await ctx.roles.get(request.params.name);
      await ctx.authorizer.requireCanGrant(
        principalOf(request),
        [globally(role.permissions)],
        'params.name',
      );
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
      await requireMayChangeBinding(ctx, principalOf(request), b);
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
      await requireMayChangeBinding(
        ctx,
        principalOf(request),
        await ctx.roles.binding(request.params.id),
      );
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
