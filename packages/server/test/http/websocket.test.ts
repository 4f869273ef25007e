import { Writable } from 'node:stream';
import type { FastifyInstance } from 'fastify';
import WebSocket from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createContext, type ServerContext } from '../../src/context.js';
import { createLogger } from '../../src/core/logging.js';
import { buildApp } from '../../src/http/app.js';
import { ADMIN_PASSWORD } from '../support/app.js';
import { testEnvironment, type TestEnvironment } from '../support/backends.js';
import { socketUrl } from '../support/websocket.js';

/** What a client learns when its socket opens or is refused. */
async function open(url: string): Promise<{ socket?: WebSocket; status?: number }> {
  const socket = new WebSocket(url);
  return new Promise((resolve) => {
    socket.once('open', () => resolve({ socket }));
    socket.once('unexpected-response', (_request, response) =>
      resolve({ status: response.statusCode }),
    );
    socket.once('error', () => resolve({ status: 0 }));
  });
}

const closed = (socket: WebSocket) =>
  new Promise<{ code: number; reason: string }>((resolve) =>
    socket.once('close', (code, reason) => resolve({ code, reason: String(reason) })),
  );

describe('WebSockets', () => {
  let env: TestEnvironment;
  let ctx: ServerContext;
  let app: FastifyInstance;
  let base: string;
  let token: string;
  const logLines: string[] = [];

  beforeAll(async () => {
    env = testEnvironment('pglite');
    // Logs at info, where every request's URL is written, to see what reaches them.
    const sink = new Writable({
      write(chunk: Buffer, _encoding, done) {
        logLines.push(String(chunk));
        done();
      },
    });
    ctx = await createContext(
      env.config({
        auth: { adminPassword: ADMIN_PASSWORD },
        http: { webSocket: { messagesPerSecond: 20, messageBurst: 40 } },
      }),
      createLogger('info', sink),
    );
    app = await buildApp(ctx);
    base = await app.listen({ host: '127.0.0.1', port: 0 });
    const login = await fetch(`${base}/api/v1/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: 'admin', password: ADMIN_PASSWORD }),
    });
    token = ((await login.json()) as { accessToken: string }).accessToken;
  });
  afterAll(async () => {
    await app?.close();
    await ctx?.lifecycle.close();
    await env?.cleanup();
  });

  describe('tickets', () => {
    it('opens a socket with a ticket once, never twice', async () => {
      const url = await socketUrl(base, '/api/v1/ws', token);
      const first = await open(url);
      expect(first.socket).toBeDefined();
      first.socket!.close();
      expect((await open(url)).status).toBe(401);
    });

    it('refuses expired tickets, and tickets without a signed-in caller', async () => {
      const url = await socketUrl(base, '/api/v1/ws', token);
      await ctx.db.query(`UPDATE websocket_tickets SET expires_at = now() - interval '1 second'`);
      expect((await open(url)).status).toBe(401);
      const anonymous = await fetch(`${base}/api/v1/ws-tickets`, { method: 'POST' });
      expect(anonymous.status).toBe(401);
    });

    it('no longer takes an access token in the URL', async () => {
      const refused = await open(`${base.replace('http', 'ws')}/api/v1/ws?access_token=${token}`);
      expect(refused.status).toBe(401);
    });

    it('keeps tokens, tickets and passwords in URLs out of the log', async () => {
      const url = await socketUrl(base, '/api/v1/ws', token);
      const ticket = new URL(url).searchParams.get('ticket')!;
      (await open(url)).socket?.close();
      await fetch(`${base}/api/v1/me?password=hunter2-hunter2&page=2`);
      const log = logLines.join('');
      expect(log).toContain('/api/v1/ws?ticket=[redacted]');
      expect(log).toContain('/api/v1/me?password=[redacted]&page=2');
      expect(log).toContain('/api/v1/ws?access_token=[redacted]');
      expect(log).not.toContain(ticket);
      expect(log).not.toContain(token);
      expect(log).not.toContain(token.split('.')[2]!);
      expect(log).not.toContain('hunter2');
    });
  });

  describe('limits', () => {
    it('closes a socket that sends a 100 MiB message, and keeps serving everyone else', async () => {
      const { socket } = await open(await socketUrl(base, '/api/v1/ws', token));
      const end = closed(socket!);
      socket!.send(Buffer.alloc(100 * 1024 * 1024, 0x20));
      const started = Date.now();
      const health = await fetch(`${base}/healthz`);
      expect(health.status).toBe(200);
      expect(Date.now() - started).toBeLessThan(2000);
      expect((await end).code).toBe(1009);
    });

    it('closes a socket that floods messages, with a code that says so', async () => {
      const { socket } = await open(await socketUrl(base, '/api/v1/ws', token));
      const end = closed(socket!);
      for (let i = 0; i < 500; i++) socket!.send('{"type":"ping"}');
      const { code, reason } = await end;
      expect(code).toBe(1008);
      expect(reason).toMatch(/messages per second/);
    });

    it('refuses live messages with oversized fields, naming the field', async () => {
      const { socket } = await open(await socketUrl(base, '/api/v1/ws', token));
      const reply = new Promise<{ type: string; message: string }>((resolve) =>
        socket!.once('message', (data) => resolve(JSON.parse(String(data)))),
      );
      socket!.send(
        JSON.stringify({
          type: 'subscribe',
          id: 's1',
          cluster: 'c'.repeat(10_000),
          group: 'core',
          version: 'v1',
          resource: 'pods',
        }),
      );
      expect(await reply).toMatchObject({
        type: 'error',
        message: expect.stringMatching(/cluster/),
      });
      socket!.close();
    });
  });
});
