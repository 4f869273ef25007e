import { readFileSync } from 'node:fs';
import WebSocket from 'ws';

/** Plain HTTP calls to one KubeOps address (the balancer or one replica), as a client makes them. */
export async function call(
  base: string,
  method: string,
  path: string,
  token?: string,
  body?: unknown,
): Promise<{ status: number; body: Record<string, unknown> }> {
  const response = await fetch(`${base}${path}`, {
    method,
    headers: {
      ...(token ? { authorization: `Bearer ${token}` } : {}),
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await response.text();
  let parsed: Record<string, unknown> = {};
  try {
    parsed = text ? (JSON.parse(text) as Record<string, unknown>) : {};
  } catch {
    parsed = { text };
  }
  return { status: response.status, body: parsed };
}

/** Like call, but any status of 300 or more throws with the answer. */
export async function ok(
  base: string,
  method: string,
  path: string,
  token?: string,
  body?: unknown,
): Promise<Record<string, unknown>> {
  const answer = await call(base, method, path, token, body);
  if (answer.status >= 300)
    throw new Error(`${method} ${path}: ${answer.status} ${JSON.stringify(answer.body)}`);
  return answer.body;
}

export async function signIn(base: string, username: string, password: string): Promise<string> {
  const body = await ok(base, 'POST', '/api/v1/auth/login', undefined, { username, password });
  return String(body.accessToken);
}

/** Registers the test cluster by URL, CA and the admin token, as an operator would. */
export async function registerTestCluster(base: string, token: string, name: string) {
  const required = (n: string) => {
    const v = process.env[n];
    if (!v) throw new Error(`${n} is not set: run through vitest`);
    return v;
  };
  return ok(base, 'POST', '/api/v1/clusters', token, {
    source: 'token',
    name,
    server: required('KUBEOPS_TEST_SERVER'),
    certificateAuthority: readFileSync(required('KUBEOPS_TEST_CA_FILE'), 'utf8'),
    token: required('KUBEOPS_TEST_ADMIN_TOKEN'),
  });
}

/** Which replica answered a socket's upgrade (the balancer's X-Served-By), by socket. */
export const servedBy = new WeakMap<WebSocket, string>();

/** Opens /api/v1/ws with a single-use ticket, as the console does. */
export async function openLiveSocket(base: string, token: string): Promise<WebSocket> {
  const { ticket } = (await ok(base, 'POST', '/api/v1/ws-tickets', token)) as { ticket: string };
  const url = new URL('/api/v1/ws', base.replace(/^http/, 'ws'));
  url.searchParams.set('ticket', ticket);
  const socket = new WebSocket(url);
  socket.once('upgrade', (response) => {
    const by = response.headers['x-served-by'];
    if (typeof by === 'string') servedBy.set(socket, by);
  });
  await new Promise<void>((resolve, reject) => {
    socket.once('open', () => resolve());
    socket.once('unexpected-response', (_request, response) =>
      reject(new Error(`upgrade refused: ${response.statusCode}`)),
    );
    socket.once('error', reject);
  });
  return socket;
}

export const closedWithin = (socket: WebSocket, ms: number) =>
  new Promise<{ code: number; afterMs: number }>((resolve, reject) => {
    const started = Date.now();
    const timer = setTimeout(() => reject(new Error(`socket still open after ${ms} ms`)), ms);
    socket.once('close', (code) => {
      clearTimeout(timer);
      resolve({ code, afterMs: Date.now() - started });
    });
  });

/** Polls until `check` is true; returns how long it took, or throws after `ms`. */
export async function within(ms: number, what: string, check: () => Promise<boolean>) {
  const started = Date.now();
  for (;;) {
    if (await check()) return Date.now() - started;
    if (Date.now() - started > ms) throw new Error(`${what}: not within ${ms} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
