import { Type, type Static } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import WebSocket from 'ws';
import type { ImpersonatingClient } from '../clusters/impersonating-client.js';
import { apiPath } from './api-path.js';

/** Kubernetes remote command channels (v4/v5 channel protocols). */
const STDIN = 0;
const STDOUT = 1;
const STDERR = 2;
const STATUS = 3;
const RESIZE = 4;
const CLOSE = 255;

export interface ExecOptions {
  namespace: string;
  pod: string;
  container?: string | undefined;
  command: string[];
  tty: boolean;
}

/** What the browser and KubeOps say to each other on an exec socket (JSON text frames). */
export const ExecClientMessage = Type.Union([
  Type.Object({ type: Type.Literal('stdin'), data: Type.String({ maxLength: 16_384 }) }),
  Type.Object({
    type: Type.Literal('resize'),
    cols: Type.Integer({ minimum: 1, maximum: 10_000 }),
    rows: Type.Integer({ minimum: 1, maximum: 10_000 }),
  }),
  Type.Object({ type: Type.Literal('close') }),
]);
export type ExecClientMessage = Static<typeof ExecClientMessage>;

/** Messages held while the API server's socket opens; a client sending more is not a terminal. */
const MAX_HELD = 256;

/**
 * Bridges a browser socket to the API server's exec endpoint as the user:
 * stdin and resize go in on channels 0 and 4, stdout/stderr come back on 1
 * and 2, and the exit status on 3. Resolves with the exit status when either
 * side ends.
 *
 * Listens to the browser at once and holds what it sends until the API
 * server's socket is open: a terminal sends its size (and a quick typist
 * their first keys) the moment it connects, while KubeOps is still resolving
 * the user and dialling the cluster. `connect` is that work; if it fails,
 * the browser gets the error and the session ends.
 */
export function bridgeExec(
  browser: WebSocket,
  connect: () => Promise<ImpersonatingClient>,
  options: ExecOptions,
): Promise<{ exitCode: number | null; reason: string }> {
  const held: ExecClientMessage[] = [];
  let forward: ((message: ExecClientMessage) => void) | undefined;
  let browserClosed = false;
  const send = (message: unknown) =>
    browser.readyState === browser.OPEN && browser.send(JSON.stringify(message));
  browser.on('message', (raw) => {
    let message: unknown;
    try {
      message = JSON.parse(String(raw));
    } catch {
      message = undefined;
    }
    if (!Value.Check(ExecClientMessage, message)) {
      send({
        type: 'error',
        message:
          'send JSON: {"type":"stdin","data":"…"} (at most 16384 characters) or {"type":"resize","cols":80,"rows":24}',
      });
      return;
    }
    if (forward) forward(message);
    else if (held.length < MAX_HELD) held.push(message);
    else browser.close(1008, 'too many messages before the session started');
  });
  browser.on('close', () => (browserClosed = true));
  return connect().then(
    (client) => {
      if (browserClosed) return { exitCode: null, reason: 'client closed' };
      return relay(browser, client, options, held, send, (f) => (forward = f));
    },
    (error: unknown) => {
      const message = error instanceof Error ? error.message : String(error);
      send({ type: 'error', message });
      browser.close();
      return { exitCode: null, reason: `error: ${message}` };
    },
  );
}

function relay(
  browser: WebSocket,
  client: ImpersonatingClient,
  options: ExecOptions,
  held: ExecClientMessage[],
  send: (message: unknown) => void,
  setForward: (forward: (message: ExecClientMessage) => void) => void,
): Promise<{ exitCode: number | null; reason: string }> {
  const url = client.url(
    apiPath('api', 'v1', 'namespaces', options.namespace, 'pods', options.pod, 'exec'),
  );
  for (const c of options.command) url.searchParams.append('command', c);
  if (options.container) url.searchParams.set('container', options.container);
  url.searchParams.set('stdin', 'true');
  url.searchParams.set('stdout', 'true');
  url.searchParams.set('stderr', String(!options.tty));
  url.searchParams.set('tty', String(options.tty));
  url.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:';
  const upstream = new WebSocket(url, ['v5.channel.k8s.io', 'v4.channel.k8s.io'], {
    headers: client.headers() as Record<string, string>,
    ...client.tlsOptions(),
  });
  const frame = (channel: number, data: Buffer | string) =>
    Buffer.concat([Buffer.from([channel]), Buffer.isBuffer(data) ? data : Buffer.from(data)]);

  return new Promise((resolve) => {
    let exitCode: number | null = null;
    let done = false;
    const finish = (reason: string) => {
      if (done) return;
      done = true;
      send({ type: 'exit', exitCode, reason });
      upstream.close();
      browser.close();
      resolve({ exitCode, reason });
    };
    const deliver = (message: ExecClientMessage) => {
      if (upstream.readyState !== upstream.OPEN) return;
      if (message.type === 'stdin' && typeof message.data === 'string')
        upstream.send(frame(STDIN, message.data));
      else if (
        message.type === 'resize' &&
        Number.isInteger(message.cols) &&
        Number.isInteger(message.rows)
      ) {
        upstream.send(frame(RESIZE, JSON.stringify({ Width: message.cols, Height: message.rows })));
      } else if (message.type === 'close' && upstream.protocol === 'v5.channel.k8s.io')
        upstream.send(Buffer.from([CLOSE, STDIN]));
    };
    upstream.on('open', () => {
      send({ type: 'started', protocol: upstream.protocol });
      for (const message of held.splice(0)) deliver(message);
      setForward(deliver);
    });
    upstream.on('message', (data: Buffer) => {
      const channel = data[0];
      const payload = data.subarray(1);
      if (channel === STDOUT || channel === STDERR)
        send({ type: channel === STDOUT ? 'stdout' : 'stderr', data: payload.toString('utf8') });
      else if (channel === STATUS) {
        try {
          const status = JSON.parse(payload.toString('utf8')) as {
            status?: string;
            details?: { causes?: Array<{ reason?: string; message?: string }> };
          };
          const code = status.details?.causes?.find((c) => c.reason === 'ExitCode')?.message;
          exitCode = status.status === 'Success' ? 0 : code ? Number(code) : 1;
        } catch {
          exitCode = 1;
        }
      }
    });
    upstream.on('unexpected-response', (_request, response) => {
      let body = '';
      response.on('data', (chunk: Buffer) => (body += chunk.toString('utf8')));
      response.on('end', () => {
        let message = body;
        try {
          message = (JSON.parse(body) as { message?: string }).message ?? body;
        } catch {
          // not a Status
        }
        send({ type: 'error', status: response.statusCode, message });
        finish(`refused: ${response.statusCode}`);
      });
    });
    upstream.on('error', (error) => {
      send({ type: 'error', message: error.message });
      finish('error');
    });
    upstream.on('close', () => finish('ended'));
    browser.on('close', () => finish('client closed'));
  });
}
