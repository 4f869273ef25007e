import type { FastifyRequest } from 'fastify';
import type { Principal } from '../auth/authorizer.js';
import { unauthenticated } from '../core/errors.js';

/** The signed-in caller of a kube route (every /api route is authenticated before it runs). */
export const principalOf = (request: FastifyRequest): Principal => {
  if (!request.principal) throw unauthenticated();
  return request.principal;
};
