import { rmSync } from 'node:fs';
import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import {
  ApiToken,
  ApiTokenCreated,
  ApiTokenCreateRequest,
  ChangePasswordRequest,
  IdParams,
  Impersonation,
  ImpersonationQuery,
  Me,
  Password,
  RecoveryCodes,
  TotpEnrolment,
  TotpVerifyRequest,
} from '@kubeops/contracts';
import type { ServerContext } from '../../context.js';
import { KubeOpsError } from '../../core/errors.js';
import { principalOf, type Principal } from '../authorizer.js';
import { initialPasswordFile } from '../bootstrap.js';
import { errorResponses } from '../../http/error-responses.js';

const errors = errorResponses(400, 401, 403);
const tags = ['me'];
const enrolment = { allowDuringMfaEnrolment: true };

function sessionOnly(principal: Principal, what: string): void {
  if (principal.authMethod !== 'session') {
    throw new KubeOpsError(
      'session_required',
      403,
      `${what} needs a signed-in session, not an API token`,
    );
  }
}

/** The signed-in user's own account: profile, impersonation mapping, password, MFA, API tokens. */
export function registerMeRoutes(app: FastifyInstance, ctx: ServerContext): void {
  const api = app.withTypeProvider<TypeBoxTypeProvider>();

  api.get(
    '/api/v1/me',
    { config: enrolment, schema: { tags, response: { 200: Me, ...errors } } },
    async (request) => {
      const principal = principalOf(request);
      const user = await ctx.users.require(principal.userId);
      const grants = await ctx.authorizer.grants(principal);
      const global = grants.filter((g) => g.cluster === null).flatMap((g) => g.permissions);
      return {
        id: user.id,
        username: user.username,
        displayName: user.displayName,
        source: user.source,
        groups: user.groups,
        roles: grants.map((g) => ({ role: g.role, cluster: g.cluster, namespace: g.namespace })),
        permissions: [...new Set(global)].sort(),
        mfaEnabled: user.mfaEnabled,
        mfaEnrolmentRequired: principal.mfaEnrolmentRequired,
        authMethod: principal.authMethod,
        impersonation: await ctx.impersonation(principal, null),
      };
    },
  );

  api.get(
    '/api/v1/me/impersonation',
    {
      schema: {
        tags,
        querystring: ImpersonationQuery,
        response: { 200: Impersonation, ...errors },
      },
    },
    async (request) => ctx.impersonation(principalOf(request), request.query.cluster ?? null),
  );

  api.post(
    '/api/v1/me/password',
    {
      // Also during MFA enrolment: a generated first password must be replaceable even when MFA is required.
      config: { ...enrolment, auditAction: 'me.change_password', allowDuringPasswordChange: true },
      schema: { tags, body: ChangePasswordRequest, response: { 204: Type.Null(), ...errors } },
    },
    async (request, reply) => {
      const principal = principalOf(request);
      sessionOnly(principal, 'Changing the password');
      const user = await ctx.users.require(principal.userId);
      if (user.source !== 'local')
        throw new KubeOpsError(
          'not_local_user',
          409,
          'This account signs in through single sign-on and has no password',
        );
      await ctx.auth.recheckPassword(
        user,
        request.body.currentPassword,
        request.ip,
        'body.currentPassword',
      );
      if (request.body.newPassword === request.body.currentPassword) {
        throw new KubeOpsError(
          'password_unchanged',
          400,
          'body.newPassword: must differ from the current password',
          { details: { field: 'body.newPassword' } },
        );
      }
      await ctx.users.setPassword(user.id, request.body.newPassword);
      if (user.passwordChangeRequired) {
        // The generated first password is spent: nothing should keep a copy of it.
        rmSync(initialPasswordFile(ctx.config.dataDir), { force: true });
      }
      await ctx.auth.sessions.revokeAllForUser(
        user.id,
        'password_changed',
        principal.sessionId ?? undefined,
      );
      request.audit.target = { kind: 'User', name: user.username };
      return reply.code(204).send(null);
    },
  );

  api.post(
    '/api/v1/me/mfa/totp',
    {
      config: { ...enrolment, auditAction: 'me.mfa_enrol_start' },
      schema: { tags, response: { 200: TotpEnrolment, ...errors } },
    },
    async (request) => {
      const principal = principalOf(request);
      sessionOnly(principal, 'MFA enrolment');
      return ctx.auth.mfa.begin(await ctx.users.require(principal.userId));
    },
  );

  api.post(
    '/api/v1/me/mfa/totp/verify',
    {
      config: { ...enrolment, auditAction: 'me.mfa_enrol' },
      schema: { tags, body: TotpVerifyRequest, response: { 200: RecoveryCodes, ...errors } },
    },
    async (request) => {
      const principal = principalOf(request);
      sessionOnly(principal, 'MFA enrolment');
      const recoveryCodes = await ctx.auth.mfa.confirm(
        await ctx.users.require(principal.userId),
        request.body.code,
      );
      return { recoveryCodes };
    },
  );

  api.post(
    '/api/v1/me/mfa/disable',
    {
      config: { auditAction: 'me.mfa_disable' },
      schema: {
        tags,
        body: Type.Object(
          {
            password: Password,
            code: Type.Optional(Type.String({ pattern: '^[0-9]{6}$' })),
            recoveryCode: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })),
          },
          { additionalProperties: false },
        ),
        response: { 204: Type.Null(), ...errors },
      },
    },
    async (request, reply) => {
      const principal = principalOf(request);
      sessionOnly(principal, 'Disabling MFA');
      const user = await ctx.users.require(principal.userId);
      await ctx.auth.recheckPassword(user, request.body.password, request.ip, 'body.password');
      // A session alone (say, one left open) must not be enough to remove the second factor.
      if (user.mfaEnabled) await ctx.auth.recheckSecondFactor(user, request.body, request.ip);
      if (user.mfaRequired || (await ctx.auth.mfaRequiredForAll())) {
        throw new KubeOpsError(
          'mfa_required',
          409,
          'An administrator requires MFA for this account',
        );
      }
      await ctx.auth.mfa.disable(user.id);
      return reply.code(204).send(null);
    },
  );

  api.get(
    '/api/v1/me/tokens',
    {
      schema: { tags, response: { 200: Type.Object({ items: Type.Array(ApiToken) }), ...errors } },
    },
    async (request) => ({
      items: await ctx.auth.apiTokens.list(principalOf(request).userId),
    }),
  );

  api.post(
    '/api/v1/me/tokens',
    {
      config: { auditAction: 'me.api_token_create' },
      schema: { tags, body: ApiTokenCreateRequest, response: { 201: ApiTokenCreated, ...errors } },
    },
    async (request, reply) => {
      const principal = principalOf(request);
      sessionOnly(principal, 'Creating an API token');
      await ctx.authorizer.requireHeld(principal, request.body.scopes, 'body.scopes');
      const created = await ctx.auth.apiTokens.create(
        principal.userId,
        request.body.name,
        request.body.scopes,
        request.body.expiresInDays,
      );
      request.audit.target = { kind: 'ApiToken', name: created.id };
      request.audit.details = { scopes: created.scopes, expiresAt: created.expiresAt };
      return reply.code(201).send(created);
    },
  );

  api.delete(
    '/api/v1/me/tokens/:id',
    {
      config: { auditAction: 'me.api_token_revoke' },
      schema: {
        tags,
        params: IdParams,
        response: { 200: ApiToken, 404: { $ref: 'ErrorBody' }, ...errors },
      },
    },
    async (request) => {
      request.audit.target = { kind: 'ApiToken', name: request.params.id };
      return ctx.auth.apiTokens.revoke(principalOf(request).userId, request.params.id);
    },
  );
}
