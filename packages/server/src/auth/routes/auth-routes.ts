import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import {
  GroupName,
  LoginRequest,
  MAX_GROUPS,
  LoginResponse,
  MfaLoginRequest,
  OidcStatus,
  TokenResponse,
} from '@kubeops/contracts';
import type { ServerContext } from '../../context.js';
import { KubeOpsError } from '../../core/errors.js';
import { OIDC_CALLBACK_PATH } from '../oidc.js';
import {
  clearSessionCookie,
  REFRESH_COOKIE,
  setSessionCookie,
  tokenBody,
} from './session-cookie.js';
import { errorResponses } from '../../http/error-responses.js';

const OIDC_STATE_COOKIE = 'kubeops_oidc';
const errors = errorResponses(400, 401, 429);
const tags = ['auth'];

/** Sign-in (password, MFA, OIDC), refresh and sign-out. All public: they are how one gets a token. */
export function registerAuthRoutes(app: FastifyInstance, ctx: ServerContext): void {
  const api = app.withTypeProvider<TypeBoxTypeProvider>();
  const { auth, config } = ctx;

  api.post(
    '/api/v1/auth/login',
    {
      config: { public: true, auditAction: 'auth.login' },
      schema: {
        tags,
        security: [],
        body: LoginRequest,
        response: { 200: LoginResponse, ...errors },
      },
    },
    async (request, reply) => {
      request.audit.actor = request.body.username;
      const outcome = await auth.login(request.body.username, request.body.password, request.ip);
      request.audit.actorId = outcome.user.id;
      if (outcome.kind === 'mfa') {
        request.audit.details = { step: 'password', mfaRequired: true };
        return { mfaRequired: true as const, mfaToken: outcome.mfaToken };
      }
      setSessionCookie(config, request, reply, outcome.session);
      request.audit.details = { sessionId: outcome.session.sessionId };
      return tokenBody(outcome.session);
    },
  );

  api.post(
    '/api/v1/auth/login/mfa',
    {
      config: { public: true, auditAction: 'auth.login_mfa' },
      schema: {
        tags,
        security: [],
        body: MfaLoginRequest,
        response: { 200: TokenResponse, ...errors },
      },
    },
    async (request, reply) => {
      const challenge = await auth.openMfaChallenge(request.body.mfaToken);
      // Known before the code is checked, so a wrong code is audited under its user.
      request.audit.actor = challenge.user.username;
      request.audit.actorId = challenge.user.id;
      request.audit.details = { method: request.body.code ? 'totp' : 'recovery_code' };
      const { session } = await auth.completeMfa(challenge, request.body, request.ip);
      request.audit.details = {
        sessionId: session.sessionId,
        method: request.body.code ? 'totp' : 'recovery_code',
      };
      setSessionCookie(config, request, reply, session);
      return tokenBody(session);
    },
  );

  api.post(
    '/api/v1/auth/refresh',
    {
      config: { public: true, auditAction: 'auth.refresh' },
      schema: { tags, security: [], response: { 200: TokenResponse, ...errors } },
    },
    async (request, reply) => {
      const token = request.cookies[REFRESH_COOKIE];
      if (!token)
        throw new KubeOpsError('refresh_token_missing', 401, 'No session cookie; sign in');
      try {
        const { user, session } = await auth.refresh(token);
        request.audit.actor = user.username;
        request.audit.actorId = user.id;
        request.audit.details = { sessionId: session.sessionId };
        setSessionCookie(config, request, reply, session);
        return tokenBody(session);
      } catch (error) {
        if (error instanceof KubeOpsError) {
          clearSessionCookie(config, request, reply);
          request.audit.details = { reason: error.code, ...(error.details ?? {}) };
        }
        throw error;
      }
    },
  );

  api.post(
    '/api/v1/auth/logout',
    {
      config: { public: true, auditAction: 'auth.logout' },
      schema: { tags, response: { 204: Type.Null() } },
    },
    async (request, reply) => {
      const cookieToken = request.cookies[REFRESH_COOKIE];
      const family =
        request.principal?.sessionId ??
        (cookieToken ? await auth.sessions.familyOf(cookieToken) : undefined);
      if (family) await auth.logout(family);
      request.audit.details = { sessionId: family ?? null };
      clearSessionCookie(config, request, reply);
      return reply.code(204).send(null);
    },
  );

  api.get(
    '/api/v1/auth/oidc',
    { config: { public: true }, schema: { tags, security: [], response: { 200: OidcStatus } } },
    async () => ({ enabled: !!ctx.oidc, loginUrl: ctx.oidc ? '/api/v1/auth/oidc/login' : null }),
  );

  api.get(
    '/api/v1/auth/oidc/login',
    {
      config: { public: true },
      schema: { tags, security: [], response: { 302: Type.Null(), 404: { $ref: 'ErrorBody' } } },
    },
    async (request, reply) => {
      if (!ctx.oidc)
        throw new KubeOpsError('oidc_disabled', 404, 'Single sign-on is not configured');
      const { url, stateCookie } = await ctx.oidc.begin();
      // Lax, not Strict: the provider's redirect back is a cross-site navigation that must carry it.
      reply.setCookie(OIDC_STATE_COOKIE, stateCookie, {
        httpOnly: true,
        sameSite: 'lax',
        secure: request.protocol === 'https',
        path: '/api/v1/auth/oidc',
        maxAge: 600,
      });
      return reply.redirect(url, 302);
    },
  );

  api.get(
    OIDC_CALLBACK_PATH,
    {
      config: { public: true },
      schema: {
        tags,
        security: [],
        querystring: Type.Object({}, { additionalProperties: true }),
        response: { 302: Type.Null(), ...errors },
      },
    },
    async (request, reply) => {
      if (!ctx.oidc)
        throw new KubeOpsError('oidc_disabled', 404, 'Single sign-on is not configured');
      const base = {
        sourceIp: request.ip,
        userAgent: request.headers['user-agent'] ?? null,
        requestId: request.id,
      };
      reply.clearCookie(OIDC_STATE_COOKIE, { path: '/api/v1/auth/oidc' });
      try {
        const callbackUrl = new URL(request.url, config.http.publicUrl);
        const identity = await ctx.oidc.finish(callbackUrl, request.cookies[OIDC_STATE_COOKIE]);
        if (identity.droppedGroups.length > 0) {
          request.log.warn(
            {
              event: 'oidc_groups_dropped',
              subject: identity.subject,
              groups: identity.droppedGroups,
            },
            `The provider sent ${identity.droppedGroups.length} group name(s) KubeOps does not accept (pattern ${GroupName.pattern}, at most ${GroupName.maxLength} characters, at most ${MAX_GROUPS} groups); they were ignored`,
          );
        }
        const user = await ctx.users.upsertOidc(identity.subject, identity.username, identity);
        if (user.disabled) throw new KubeOpsError('user_disabled', 403, 'This account is disabled');
        const session = await auth.issue(user, 'oidc');
        setSessionCookie(config, request, reply, session);
        await ctx.audit.record({
          ...base,
          action: 'auth.login_oidc',
          result: 'success',
          actor: user.username,
          actorId: user.id,
          statusCode: 302,
          details: {
            sessionId: session.sessionId,
            groups: identity.groups,
            ...(identity.droppedGroups.length > 0 ? { droppedGroups: identity.droppedGroups } : {}),
          },
        });
        return reply.redirect('/', 302);
      } catch (error) {
        const code = error instanceof KubeOpsError ? error.code : 'internal';
        // A person's browser arrives here from the provider: send it back to the
        // sign-in page with the reason rather than leave it on a JSON error.
        const browser = (request.headers.accept ?? '').includes('text/html');
        await ctx.audit.record({
          ...base,
          action: 'auth.login_oidc',
          result: 'failure',
          statusCode: browser ? 302 : error instanceof KubeOpsError ? error.status : 500,
          details: { code },
        });
        if (browser) return reply.redirect(`/login?sso_error=${encodeURIComponent(code)}`, 302);
        throw error;
      }
    },
  );
}
