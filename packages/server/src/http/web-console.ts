import fastifyStatic from '@fastify/static';
import type { FastifyInstance } from 'fastify';
import { KubeOpsError } from '../core/errors.js';

/**
 * Serves the built web console when there is one, with the single-page-app
 * fallback: a browser GET for an unknown non-API path gets index.html so
 * client-side routes survive a reload. Everything else unknown is a JSON 404.
 */
export async function registerWebConsole(
  app: FastifyInstance,
  root: string | undefined,
): Promise<void> {
  if (root) {
    await app.register(fastifyStatic, {
      root,
      wildcard: false,
      index: ['index.html'],
      schemaHide: true,
    });
  }
  app.setNotFoundHandler((request, reply) => {
    const path = request.url.split('?')[0] ?? '/';
    const wantsPage =
      request.method === 'GET' &&
      !path.startsWith('/api/') &&
      (request.headers.accept ?? '').includes('text/html');
    if (root && wantsPage) return reply.type('text/html; charset=utf-8').sendFile('index.html');
    throw new KubeOpsError('not_found', 404, `No route for ${request.method} ${path}`);
  });
}
