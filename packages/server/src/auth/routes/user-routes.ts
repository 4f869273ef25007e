import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import {
  AuthSettings,
  IdParams,
  PasswordResetRequest,
  User,
  UserCreateRequest,
  UserList,
  UserUpdateRequest,
} from '@kubeops/contracts';
import type { ServerContext } from '../../context.js';
import { KubeOpsError } from '../../core/errors.js';
import { MFA_REQUIRED_SETTING } from '../auth-service.js';
import { principalOf, requirePermission } from '../authorizer.js';
import { publicUser } from '../users.js';
import { errorResponses } from '../../http/error-responses.js';

const errors = errorResponses(400, 401, 403, 404, 409);
const tags = ['users'];

/** User administration and the sign-in settings (require MFA for everyone). */
export function registerUserRoutes(app: FastifyInstance, ctx: ServerContext): void {
  const api = app.withTypeProvider<TypeBoxTypeProvider>();
  const read = requirePermission('users:read');
  const write = requirePermission('users:write');

  api.get(
    '/api/v1/users',
    { preHandler: read, schema: { tags, response: { 200: UserList, ...errors } } },
    async () => ({
      items: (await ctx.users.list()).map(publicUser),
    }),
  );

  api.post(
    '/api/v1/users',
    {
      preHandler: write,
      config: { auditAction: 'users.create' },
      schema: { tags, body: UserCreateRequest, response: { 201: User, ...errors } },
    },
    async (request, reply) => {
      request.audit.target = { kind: 'User', name: request.body.username };
      if (request.body.groups?.length) {
        await ctx.authorizer.requireCanGrant(
          principalOf(request),
          await ctx.authorizer.grantsOfUser({
            id: '',
            groups: request.body.groups,
            source: 'local',
          }),
          'body.groups',
        );
      }
      const user = await ctx.users.create(request.body);
      return reply.code(201).send(publicUser(user));
    },
  );

  api.get(
    '/api/v1/users/:id',
    { preHandler: read, schema: { tags, params: IdParams, response: { 200: User, ...errors } } },
    async (request) => publicUser(await ctx.users.require(request.params.id)),
  );

  api.patch(
    '/api/v1/users/:id',
    {
      preHandler: write,
      config: { auditAction: 'users.update' },
      schema: {
        tags,
        params: IdParams,
        body: UserUpdateRequest,
        response: { 200: User, ...errors },
      },
    },
    async (request) => {
      const before = await ctx.users.require(request.params.id);
      request.audit.target = { kind: 'User', name: before.username };
      request.audit.details = { changes: request.body };
      if (request.body.disabled && before.id === request.principal?.userId) {
        throw new KubeOpsError('cannot_disable_self', 409, 'You cannot disable your own account');
      }
      const principal = principalOf(request);
      await ctx.authorizer.requireOutranks(principal, before);
      if (request.body.groups) {
        // The groups' bindings are rights given to the user.
        await ctx.authorizer.requireCanGrant(
          principal,
          await ctx.authorizer.grantsOfUser({ ...before, groups: request.body.groups }),
          'body.groups',
        );
      }
      const user = await ctx.users.update(before.id, request.body);
      if (request.body.disabled) await ctx.auth.revokeCredentials(user.id, 'user_disabled');
      return publicUser(user);
    },
  );

  api.delete(
    '/api/v1/users/:id',
    {
      preHandler: write,
      config: { auditAction: 'users.delete' },
      schema: { tags, params: IdParams, response: { 204: Type.Null(), ...errors } },
    },
    async (request, reply) => {
      const user = await ctx.users.require(request.params.id);
      request.audit.target = { kind: 'User', name: user.username };
      if (user.id === request.principal?.userId)
        throw new KubeOpsError('cannot_delete_self', 409, 'You cannot delete your own account');
      await ctx.authorizer.requireOutranks(principalOf(request), user);
      await ctx.db.transaction(async (tx) => {
        await tx.query(`DELETE FROM role_bindings WHERE subject_kind = 'user' AND subject = $1`, [
          user.id,
        ]);
        await tx.query('DELETE FROM users WHERE id = $1', [user.id]);
      });
      await ctx.secrets.deletePrefix(`users/${user.id}/`);
      return reply.code(204).send(null);
    },
  );

  api.post(
    '/api/v1/users/:id/password',
    {
      preHandler: write,
      config: { auditAction: 'users.reset_password' },
      schema: {
        tags,
        params: IdParams,
        body: PasswordResetRequest,
        response: { 204: Type.Null(), ...errors },
      },
    },
    async (request, reply) => {
      const user = await ctx.users.require(request.params.id);
      request.audit.target = { kind: 'User', name: user.username };
      if (user.source !== 'local')
        throw new KubeOpsError(
          'not_local_user',
          409,
          'This account signs in through single sign-on and has no password',
        );
      await ctx.authorizer.requireOutranks(principalOf(request), user);
      await ctx.users.setPassword(user.id, request.body.password);
      await ctx.auth.revokeCredentials(user.id, 'password_reset');
      return reply.code(204).send(null);
    },
  );

  api.post(
    '/api/v1/users/:id/mfa/reset',
    {
      preHandler: write,
      config: { auditAction: 'users.reset_mfa' },
      schema: { tags, params: IdParams, response: { 204: Type.Null(), ...errors } },
    },
    async (request, reply) => {
      const user = await ctx.users.require(request.params.id);
      request.audit.target = { kind: 'User', name: user.username };
      await ctx.authorizer.requireOutranks(principalOf(request), user);
      await ctx.auth.mfa.disable(user.id);
      await ctx.auth.revokeCredentials(user.id, 'mfa_reset');
      return reply.code(204).send(null);
    },
  );

  api.get(
    '/api/v1/settings/auth',
    {
      preHandler: requirePermission('settings:read'),
      schema: { tags: ['settings'], response: { 200: AuthSettings, ...errors } },
    },
    async () => ({ mfaRequired: await ctx.auth.mfaRequiredForAll() }),
  );

  api.put(
    '/api/v1/settings/auth',
    {
      preHandler: requirePermission('settings:write'),
      config: { auditAction: 'settings.auth_update' },
      schema: {
        tags: ['settings'],
        body: AuthSettings,
        response: { 200: AuthSettings, ...errors },
      },
    },
    async (request) => {
      request.audit.details = { changes: request.body };
      await ctx.settings.put(MFA_REQUIRED_SETTING, request.body.mfaRequired);
      return { mfaRequired: request.body.mfaRequired };
    },
  );
}
