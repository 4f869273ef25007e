import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Config } from '../../core/config.js';
import type { IssuedSession } from '../auth-service.js';

export const REFRESH_COOKIE = 'kubeops_refresh';
const COOKIE_PATH = '/api/v1/auth';

function secure(config: Config, request: FastifyRequest): boolean {
  if (config.auth.cookieSecure === 'always') return true;
  if (config.auth.cookieSecure === 'never') return false;
  return request.protocol === 'https';
}

/**
 * The refresh token lives only in this cookie: httpOnly (scripts cannot read
 * it), SameSite=Strict (other sites cannot make the browser send it) and
 * scoped to the auth routes.
 */
export function setSessionCookie(
  config: Config,
  request: FastifyRequest,
  reply: FastifyReply,
  session: IssuedSession,
): void {
  reply.setCookie(REFRESH_COOKIE, session.refreshToken, {
    httpOnly: true,
    sameSite: 'strict',
    secure: secure(config, request),
    path: COOKIE_PATH,
    maxAge: config.auth.refreshTokenTtlSeconds,
  });
}

export function clearSessionCookie(
  config: Config,
  request: FastifyRequest,
  reply: FastifyReply,
): void {
  reply.clearCookie(REFRESH_COOKIE, {
    httpOnly: true,
    sameSite: 'strict',
    secure: secure(config, request),
    path: COOKIE_PATH,
  });
}

export const tokenBody = (session: IssuedSession) => ({
  accessToken: session.accessToken,
  tokenType: 'Bearer' as const,
  expiresIn: session.expiresIn,
  mfaEnrolmentRequired: session.mfaEnrolmentRequired,
});
