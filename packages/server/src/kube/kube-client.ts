import { readFileSync } from 'node:fs';
import https from 'node:https';
import http from 'node:http';
import type { IncomingMessage } from 'node:http';
import type { LookupFunction } from 'node:net';
import { KubeOpsError } from '../core/errors.js';
import { clusterUnreachable, kubeApiError } from './kube-error.js';
import { assertNormalPath } from './api-path.js';

/** How to reach and authenticate to one cluster's API server. */
export interface ClusterEndpoint {
  /** Name used in error messages. */
  name: string;
  server: string;
  /** PEM. */
  certificateAuthority?: string | undefined;
  clientCertificate?: string | undefined;
  clientKey?: string | undefined;
  token?: string | undefined;
  /**
   * A file holding the bearer token, re-read as it rotates (a pod's projected
   * service account token, which the kubelet replaces before it expires).
   * `token` is its content when the endpoint was made.
   */
  tokenFile?: string | undefined;
  insecureSkipTlsVerify?: boolean | undefined;
  tlsServerName?: string | undefined;
  /** Resolves the server's name for every connection, e.g. EgressGuard.lookup, which refuses loopback and metadata addresses. */
  lookup?: LookupFunction | undefined;
}

export type Query = Record<string, string | number | boolean | undefined>;

export interface KubeRequest {
  method?: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  /** Built with apiPath(); anything not in normal form is refused (see assertNormalPath). */
  path: string;
  query?: Query | undefined;
  /** An object is sent as JSON; a string as is. */
  body?: unknown;
  contentType?: string | undefined;
  accept?: string | undefined;
  timeoutMs?: number | undefined;
  signal?: AbortSignal | undefined;
  /** An ETag held: a 304 answer then resolves like a 2xx (open) instead of failing. */
  ifNoneMatch?: string | undefined;
}

/**
 * Who is calling, as the API server's audit log shows it. The platform's own
 * traffic (caches, discovery, anything else: health checks, inspections)
 * says which part of KubeOps sent it, so an operator can tell it from the
 * requests made as a user.
 */
export const USER_AGENT = {
  user: 'kubeops/user',
  cache: 'kubeops/cache',
  discovery: 'kubeops/discovery',
  platform: 'kubeops/platform',
} as const;

/** How often a token file is read again; the kubelet rotates well before expiry, as client-go assumes. */
const TOKEN_FILE_REFRESH_MS = 10_000;

/** The bearer token of an endpoint, following its token file when it has one. */
class BearerToken {
  private readAt = Date.now();

  constructor(
    private value: string | undefined,
    private readonly file: string | undefined,
  ) {}

  current(): string | undefined {
    if (this.file && Date.now() - this.readAt >= TOKEN_FILE_REFRESH_MS) {
      this.readAt = Date.now();
      try {
        this.value = readFileSync(this.file, 'utf8').trim() || this.value;
      } catch {
        // Mid-rotation or briefly missing: keep the last token; the next read catches up.
      }
    }
    return this.value;
  }
}

export const TABLE_ACCEPT = 'application/json;as=Table;g=meta.k8s.io;v=v1,application/json';

export function pathWithQuery(path: string, query: Query = {}): string {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query))
    if (value !== undefined) params.set(key, String(value));
  const qs = params.toString();
  return qs ? `${path}${path.includes('?') ? '&' : '?'}${qs}` : path;
}

/**
 * A lean HTTP client for one cluster: JSON requests and streams (watch, logs)
 * over a keep-alive agent holding the cluster's TLS material. `as(headers)`
 * derives a client sending extra headers (impersonation) on the same sockets.
 */
export class KubeClient {
  private readonly base: URL;
  private readonly agent: http.Agent;

  private readonly token: BearerToken;

  constructor(
    readonly endpoint: ClusterEndpoint,
    private readonly extraHeaders: Record<string, string | string[]> = {},
    agent?: http.Agent,
    private readonly defaultTimeoutMs = 30_000,
    token?: BearerToken,
  ) {
    this.token = token ?? new BearerToken(endpoint.token, endpoint.tokenFile);
    this.base = new URL(endpoint.server);
    this.agent =
      agent ??
      (this.base.protocol === 'https:'
        ? new https.Agent({
            keepAlive: true,
            maxSockets: 64,
            ca: endpoint.certificateAuthority,
            cert: endpoint.clientCertificate,
            key: endpoint.clientKey,
            rejectUnauthorized: !endpoint.insecureSkipTlsVerify,
            servername: endpoint.tlsServerName,
            ...(endpoint.lookup ? { lookup: endpoint.lookup } : {}),
          })
        : new http.Agent({
            keepAlive: true,
            maxSockets: 64,
            ...(endpoint.lookup ? { lookup: endpoint.lookup } : {}),
          }));
  }

  /** A client that sends `headers` on every request too, sharing this one's connections. */
  as(headers: Record<string, string | string[]>): KubeClient {
    return new KubeClient(
      this.endpoint,
      { ...this.extraHeaders, ...headers },
      this.agent,
      this.defaultTimeoutMs,
      this.token,
    );
  }

  /** Headers for a request, including authentication (used by WebSocket upgrades too). */
  headers(extra: Record<string, string> = {}): Record<string, string | string[]> {
    const token = this.token.current();
    return {
      'user-agent': USER_AGENT.platform,
      ...(token ? { authorization: `Bearer ${token}` } : {}),
      ...this.extraHeaders,
      ...extra,
    };
  }

  /** The URL of an API path; the one place every request (and WebSocket) passes, so the one path guard. */
  url(path: string, query?: Query): URL {
    assertNormalPath(path);
    const prefix = this.base.pathname.replace(/\/$/, '');
    return new URL(prefix + pathWithQuery(path, query), this.base);
  }

  /** TLS options for other transports (WebSocket) to the same server. */
  tlsOptions() {
    const e = this.endpoint;
    return {
      ca: e.certificateAuthority,
      cert: e.clientCertificate,
      key: e.clientKey,
      rejectUnauthorized: !e.insecureSkipTlsVerify,
      servername: e.tlsServerName,
    };
  }

  async request<T = unknown>(req: KubeRequest): Promise<T> {
    const response = await this.open(req);
    const text = await readBody(response);
    if (!text) return undefined as T;
    const type = response.headers['content-type'] ?? '';
    return (type.includes('json') ? JSON.parse(text) : text) as T;
  }

  /** Sends the request and resolves with the response once it started with a 2xx; otherwise throws the cluster's error. */
  open(req: KubeRequest): Promise<IncomingMessage> {
    let url: URL;
    try {
      url = this.url(req.path, req.query);
    } catch (error) {
      return Promise.reject(error as Error);
    }
    const body =
      req.body === undefined
        ? undefined
        : typeof req.body === 'string' || Buffer.isBuffer(req.body)
          ? req.body
          : JSON.stringify(req.body);
    const headers = this.headers({
      accept: req.accept ?? 'application/json',
      ...(req.ifNoneMatch ? { 'if-none-match': req.ifNoneMatch } : {}),
      // Node frames a DELETE body neither by length nor in chunks: without Content-Length the API
      // server would read it as the start of the next request on the kept-alive socket.
      ...(body !== undefined
        ? {
            'content-type': req.contentType ?? 'application/json',
            'content-length': String(Buffer.byteLength(body)),
          }
        : {}),
    });
    const transport = url.protocol === 'https:' ? https : http;
    return new Promise((resolve, reject) => {
      const request = transport.request(
        url,
        { method: req.method ?? 'GET', agent: this.agent, headers, signal: req.signal },
        (response) => {
          const status = response.statusCode ?? 0;
          if ((status >= 200 && status < 300) || (status === 304 && req.ifNoneMatch)) {
            request.setTimeout(0);
            resolve(response);
            return;
          }
          readBody(response).then(
            (text) =>
              reject(
                kubeApiError(
                  status,
                  parseMaybe(text),
                  `${req.method ?? 'GET'} ${req.path} answered ${status}`,
                ),
              ),
            reject,
          );
        },
      );
      const timeout = req.timeoutMs ?? this.defaultTimeoutMs;
      if (timeout > 0)
        request.setTimeout(timeout, () =>
          request.destroy(new Error(`no answer within ${timeout} ms`)),
        );
      request.on('error', (error) => {
        if (error instanceof KubeOpsError) reject(error);
        else if ((error as { name?: string }).name === 'AbortError') reject(error);
        else reject(clusterUnreachable(this.endpoint.name, error));
      });
      if (body !== undefined) request.end(body);
      else request.end();
    });
  }

  close(): void {
    this.agent.destroy();
  }
}

function parseMaybe(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

export async function readBody(response: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of response) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

/** Newline-delimited JSON of a watch (or any line-oriented stream), one parsed value per line. */
export async function* jsonLines<T>(response: IncomingMessage): AsyncGenerator<T> {
  let rest = '';
  response.setEncoding('utf8');
  for await (const chunk of response as AsyncIterable<string>) {
    rest += chunk;
    let newline: number;
    while ((newline = rest.indexOf('\n')) >= 0) {
      const line = rest.slice(0, newline);
      rest = rest.slice(newline + 1);
      if (line.trim()) yield JSON.parse(line) as T;
    }
  }
  if (rest.trim()) yield JSON.parse(rest) as T;
}
