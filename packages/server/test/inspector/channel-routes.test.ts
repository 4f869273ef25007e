import { createServer, type Server } from 'node:net';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../src/http/app.js';
import { kubeTestEnv, signIn, type KubeTestEnv } from '../kube/support.js';

// The notification channel routes: what a channel may point at, and what
// "test this channel" answers when the endpoint does not take the message.
describe('notification channel routes', () => {
  let env: KubeTestEnv;
  let app: FastifyInstance;
  let admin: { authorization: string };
  let closed: Server;
  let closedPort: number;

  beforeAll(async () => {
    env = await kubeTestEnv();
    app = await buildApp(env.ctx);
    admin = await signIn(env.ctx, 'channel-admin', 'admin');
    // Accepts a connection and closes it at once: an endpoint that never takes a message.
    closed = createServer((socket) => socket.destroy());
    await new Promise<void>((done) => closed.listen(0, '127.0.0.1', done));
    closedPort = (closed.address() as { port: number }).port;
  });

  afterAll(async () => {
    closed?.close();
    await app?.close();
    await env?.close();
  });

  const create = (name: string, url: string) =>
    app.inject({
      method: 'POST',
      url: '/api/v1/inspections/channels',
      headers: admin,
      payload: { name, config: { type: 'webhook', url } },
    });

  it('refuses a URL that names no host, with a 400 naming the field', async () => {
    for (const url of ['https://', 'https://\t', 'https//hooks.example', 'http://[50229:]:3/x']) {
      const refused = await create('no-host', url);
      expect(refused.statusCode).toBe(400);
      expect(refused.json().details.field).toBe('body.config.url');
    }
  });

  it('answers a test whose endpoint refuses the message with the outcome, not a 5xx', async () => {
    const created = await create('refusing', `http://127.0.0.1:${closedPort}/hook`);
    expect(created.statusCode).toBeLessThan(300);
    const id = (created.json() as { id: string }).id;
    const tested = await app.inject({
      method: 'POST',
      url: `/api/v1/inspections/channels/${id}/test`,
      headers: admin,
    });
    expect(tested.statusCode).toBe(200);
    expect(tested.json()).toMatchObject({
      delivered: false,
      error: expect.stringContaining('webhook'),
    });
  });
});
