import { randomBytes } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import WebSocket from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { requirePermission } from '../../src/auth/authorizer.js';
import type { ServerContext } from '../../src/context.js';
import { buildApp } from '../../src/http/app.js';
import { API_ROUTE_MODULES, type RouteModule } from '../../src/http/routes.js';
import { ADMIN_PASSWORD } from '../support/app.js';
import { testContext, testEnvironment, type TestEnvironment } from '../support/backends.js';
import { socketUrl } from '../support/websocket.js';

const natsUrl = () => {
  const url = process.env.KUBEOPS_TEST_NATS_URL;
  if (!url)
    throw new Error('KUBEOPS_TEST_NATS_URL is not set (the vitest global setup starts NATS)');
  return url;
};

/** A socket route guarded like every platform route, to see the guard applied again later. */
const guardedSocket: RouteModule = (app) => {
  app.get(
    '/api/v1/test/guarded-socket',
    { websocket: true, preHandler: requirePermission('clusters:read') },
    (socket) => socket.send('{"type":"hello"}'),
  );
};

interface Replica {
  ctx: ServerContext;
  app: FastifyInstance;
  base: string;
}

const closedWithin = (socket: WebSocket, ms: number) =>
  new Promise<{ code: number; reason: string; afterMs: number }>((resolve, reject) => {
    const started = Date.now();
    const timer = setTimeout(() => reject(new Error(`socket still open after ${ms} ms`)), ms);
    socket.once('close', (code, reason) => {
      clearTimeout(timer);
      resolve({ code, reason: String(reason), afterMs: Date.now() - started });
    });
  });

async function openSocket(url: string): Promise<WebSocket> {
  const socket = new WebSocket(url);
  await new Promise<void>((resolve, reject) => {
    socket.once('open', () => resolve());
    socket.once('unexpected-response', (_request, response) =>
      reject(new Error(`upgrade refused: ${response.statusCode}`)),
    );
    socket.once('error', reject);
  });
  return socket;
}

/**
 * Two KubeOps api replicas sharing one PostgreSQL and one NATS JetStream, as
 * behind a load balancer: what is revoked through one must end the sockets
 * held by the other.
 */
describe('sockets end with the access that opened them, on every replica', () => {
  let env: TestEnvironment;
  const replicas: Replica[] = [];
  let a: Replica;
  let b: Replica;
  let admin: string;

  const call = async (
    replica: Replica,
    method: string,
    path: string,
    token: string,
    body?: unknown,
  ) => {
    const response = await fetch(`${replica.base}${path}`, {
      method,
      headers: {
        authorization: `Bearer ${token}`,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await response.text();
    if (response.status >= 300) throw new Error(`${method} ${path}: ${response.status} ${text}`);
    return text ? (JSON.parse(text) as Record<string, unknown>) : {};
  };
  const signIn = async (replica: Replica, username: string, password: string) => {
    const response = await fetch(`${replica.base}/api/v1/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username, password }),
    });
    if (response.status !== 200) throw new Error(`login failed: ${await response.text()}`);
    return ((await response.json()) as { accessToken: string }).accessToken;
  };
  /** A new user bound to `role` globally; returns its id, token on replica A and binding id. */
  const newUser = async (role = 'viewer') => {
    const username = `socket-${randomBytes(4).toString('hex')}`;
    const password = 'socket-user-password';
    const user = await call(a, 'POST', '/api/v1/users', admin, { username, password });
    const binding = await call(a, 'POST', '/api/v1/role-bindings', admin, {
      role,
      subjectKind: 'user',
      subject: user.id,
    });
    return {
      id: String(user.id),
      token: await signIn(a, username, password),
      bindingId: String(binding.id),
    };
  };

  beforeAll(async () => {
    env = testEnvironment('postgres');
    const run = randomBytes(4).toString('hex');
    const config = env.config({
      auth: { adminPassword: ADMIN_PASSWORD },
      bus: { nats: { url: natsUrl(), stream: `KUBEOPS_SOCKETS_${run}`, subjectPrefix: `t${run}` } },
      // Only a revocation event can close a socket within the test's 2 s.
      http: { webSocket: { accessCheckSeconds: 3600 } },
    });
    for (let i = 0; i < 2; i++) {
      const ctx = await testContext(config);
      const app = await buildApp(ctx, [guardedSocket, ...API_ROUTE_MODULES]);
      const base = await app.listen({ host: '127.0.0.1', port: 0 });
      replicas.push({ ctx, app, base });
    }
    [a, b] = replicas as [Replica, Replica];
    admin = await signIn(a, 'admin', ADMIN_PASSWORD);
  });
  afterAll(async () => {
    for (const r of replicas) {
      await r.app.close();
      await r.ctx.lifecycle.close();
    }
    await env?.cleanup();
  });

  it('a ticket issued by one replica opens a socket on the other', async () => {
    const user = await newUser();
    const socket = await openSocket(await socketUrl(a.base, '/api/v1/ws', user.token));
    socket.close();
    // socketUrl asked replica A for the ticket; open it on B.
    const url = new URL(await socketUrl(a.base, '/api/v1/ws', user.token));
    url.port = new URL(b.base).port;
    (await openSocket(url.toString())).close();
  });

  it('logout on one replica closes the live socket held by the other within 2 s', async () => {
    const user = await newUser();
    const socket = await openSocket(await socketUrl(b.base, '/api/v1/ws', user.token));
    const end = closedWithin(socket, 2000);
    await call(a, 'POST', '/api/v1/auth/logout', user.token);
    expect(await end).toMatchObject({ code: 4401 });
  });

  it('disabling the user closes their sockets everywhere', async () => {
    const user = await newUser();
    const socket = await openSocket(await socketUrl(b.base, '/api/v1/ws', user.token));
    const end = closedWithin(socket, 2000);
    await call(a, 'PATCH', `/api/v1/users/${user.id}`, admin, { disabled: true });
    expect(await end).toMatchObject({ code: 4401 });
  });

  it('removing the role a socket needed closes it as forbidden', async () => {
    const user = await newUser();
    const url = await socketUrl(b.base, '/api/v1/test/guarded-socket', user.token);
    const socket = await openSocket(url);
    const end = closedWithin(socket, 2000);
    await call(a, 'DELETE', `/api/v1/role-bindings/${user.bindingId}`, admin);
    expect(await end).toMatchObject({ code: 4403 });
    // And it cannot be opened again.
    await expect(
      openSocket(await socketUrl(b.base, '/api/v1/test/guarded-socket', user.token)),
    ).rejects.toThrow(/403/);
  });

  it('a replayed refresh token ends the session and its sockets on the other replica within 2 s', async () => {
    const username = `socket-${randomBytes(4).toString('hex')}`;
    const password = 'socket-user-password';
    const user = await call(a, 'POST', '/api/v1/users', admin, { username, password });
    await call(a, 'POST', '/api/v1/role-bindings', admin, {
      role: 'viewer',
      subjectKind: 'user',
      subject: user.id,
    });
    const login = await fetch(`${a.base}/api/v1/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username, password }),
    });
    const { accessToken } = (await login.json()) as { accessToken: string };
    const cookie = login.headers
      .getSetCookie()
      .map((c) => c.split(';')[0]!)
      .find((c) => c.startsWith('kubeops_refresh='))!;
    const refresh = () =>
      fetch(`${a.base}/api/v1/auth/refresh`, { method: 'POST', headers: { cookie } });
    const socket = await openSocket(await socketUrl(b.base, '/api/v1/ws', accessToken));
    expect((await refresh()).status).toBe(200);
    const end = closedWithin(socket, 2000);
    // The same (now rotated) refresh token again: someone else holds a copy.
    const replay = await refresh();
    expect(replay.status).toBe(401);
    expect(((await replay.json()) as { code: string }).code).toBe('refresh_token_reused');
    expect(await end).toMatchObject({ code: 4401 });
  });

  it('ends a socket when its session does, even with no revocation', async () => {
    const user = await newUser();
    const socket = await openSocket(await socketUrl(b.base, '/api/v1/ws', user.token));
    const end = closedWithin(socket, 5000);
    await b.ctx.db.query(
      `UPDATE session_families SET expires_at = now() + interval '1 second' WHERE user_id = $1`,
      [user.id],
    );
    // Any change makes the replicas look again; from then on the expiry is a timer.
    await call(a, 'PATCH', `/api/v1/users/${user.id}`, admin, { displayName: 'renamed' });
    expect(await end).toMatchObject({ code: 4401, reason: expect.stringMatching(/expired/) });
  });
});
