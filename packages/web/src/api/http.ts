import type { ErrorBody, TokenResponse } from '@kubeops/contracts';

/** A failed API call, carrying the server's stable error code and its message. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details: Record<string, unknown> = {},
  ) {
    super(message);
    this.name = 'ApiError';
  }

  /** True when the cluster itself refused (its RBAC), not KubeOps. */
  get fromCluster(): boolean {
    return this.code.startsWith('kube_');
  }
}

export type Query = Record<string, string | number | boolean | string[] | undefined | null>;

export interface RequestOptions {
  query?: Query;
  body?: unknown;
  /** Raw text body with its content type (YAML manifests). */
  text?: { body: string; contentType: string };
  signal?: AbortSignal;
  /** Do not try to refresh the session on a 401 (the auth calls themselves). */
  noRefresh?: boolean;
  /** Failure statuses whose body is still the answer (apply's 422 lists each document's outcome). */
  bodyOn?: number[];
}

type SessionListener = (token: string | null) => void;

const SIGNED_IN_KEY = 'kubeops.signedIn';

/**
 * The access token lives only in memory; the refresh token is an httpOnly
 * cookie the browser sends to /api/v1/auth. A 401 triggers one refresh
 * (shared by every call waiting on it) and one retry.
 */
class Session {
  private token: string | null = null;
  private refreshing: Promise<boolean> | null = null;
  private readonly listeners = new Set<SessionListener>();

  get accessToken(): string | null {
    return this.token;
  }

  /**
   * Whether this browser signed in before and may still hold a refresh
   * cookie (which scripts cannot see). Without it a first visit skips the
   * refresh call, so it does not land in the audit log as a denied refresh.
   */
  get mayResume(): boolean {
    return localStorage.getItem(SIGNED_IN_KEY) === '1';
  }

  /** Before leaving for single sign-on: the provider's redirect back brings a refresh cookie. */
  expectResume(): void {
    localStorage.setItem(SIGNED_IN_KEY, '1');
  }

  set(token: string | null): void {
    this.token = token;
    if (token) localStorage.setItem(SIGNED_IN_KEY, '1');
    else localStorage.removeItem(SIGNED_IN_KEY);
    for (const listener of this.listeners) listener(token);
  }

  onChange(listener: SessionListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Exchanges the refresh cookie for a new access token; false when there is no valid session. */
  refresh(): Promise<boolean> {
    this.refreshing ??= (async () => {
      try {
        const response = await fetch('/api/v1/auth/refresh', {
          method: 'POST',
          credentials: 'same-origin',
        });
        if (!response.ok) {
          // Only a refusal ends the session; a server that is restarting (503) may accept it shortly.
          if (response.status === 401) this.set(null);
          return false;
        }
        const body = (await response.json()) as TokenResponse;
        this.set(body.accessToken);
        return true;
      } catch {
        return false;
      } finally {
        this.refreshing = null;
      }
    })();
    return this.refreshing;
  }
}

export const session = new Session();

export function buildUrl(path: string, query?: Query): string {
  if (!query) return path;
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) {
    if (value === undefined || value === null || value === '') continue;
    if (Array.isArray(value)) value.forEach((v) => params.append(key, v));
    else params.set(key, String(value));
  }
  const text = params.toString();
  return text ? `${path}?${text}` : path;
}

async function errorOf(response: Response): Promise<ApiError> {
  let body: Partial<ErrorBody> = {};
  try {
    body = (await response.json()) as ErrorBody;
  } catch {
    // Not JSON (a proxy's error page): fall back to the status line.
  }
  return new ApiError(
    response.status,
    body.code ?? `http_${response.status}`,
    body.message ?? (response.statusText || `HTTP ${response.status}`),
    body.details ?? {},
  );
}

async function send(method: string, path: string, options: RequestOptions): Promise<Response> {
  const headers: Record<string, string> = { accept: 'application/json' };
  if (session.accessToken) headers.authorization = `Bearer ${session.accessToken}`;
  let body: BodyInit | undefined;
  if (options.text) {
    headers['content-type'] = options.text.contentType;
    body = options.text.body;
  } else if (options.body !== undefined) {
    headers['content-type'] = 'application/json';
    body = JSON.stringify(options.body);
  }
  return fetch(buildUrl(path, options.query), {
    method,
    headers,
    body,
    signal: options.signal,
    credentials: 'same-origin',
  });
}

/** Calls the KubeOps API and returns the parsed JSON body (undefined for 204). */
export async function request<T>(
  method: string,
  path: string,
  options: RequestOptions = {},
): Promise<T> {
  let response = await send(method, path, options);
  if (response.status === 401 && !options.noRefresh && (await session.refresh())) {
    response = await send(method, path, options);
  }
  if (!response.ok && !options.bodyOn?.includes(response.status)) throw await errorOf(response);
  if (response.status === 204) return undefined as T;
  const type = response.headers.get('content-type') ?? '';
  return (type.includes('json') ? await response.json() : await response.text()) as T;
}

export const api = {
  get: <T>(path: string, query?: Query, signal?: AbortSignal) =>
    request<T>('GET', path, { query, signal }),
  post: <T>(path: string, body?: unknown, query?: Query) =>
    request<T>('POST', path, { body, query }),
  put: <T>(path: string, body?: unknown) => request<T>('PUT', path, { body }),
  patch: <T>(path: string, body?: unknown) => request<T>('PATCH', path, { body }),
  delete: <T>(path: string, query?: Query) => request<T>('DELETE', path, { query }),
};

/**
 * Streams a text response (pod logs) line by line until it ends or `signal`
 * aborts. Partial lines are held until their newline arrives.
 */
export async function streamLines(
  path: string,
  onLines: (lines: string[]) => void,
  signal: AbortSignal,
): Promise<void> {
  const open = () =>
    fetch(path, {
      headers: session.accessToken ? { authorization: `Bearer ${session.accessToken}` } : {},
      credentials: 'same-origin',
      signal,
    });
  let response = await open();
  if (response.status === 401 && (await session.refresh())) response = await open();
  if (!response.ok) throw await errorOf(response);
  if (!response.body) return;
  const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
  let rest = '';
  for (;;) {
    const { value, done } = await reader.read();
    if (done) break;
    const parts = (rest + value).split('\n');
    rest = parts.pop() ?? '';
    if (parts.length) onLines(parts);
  }
  if (rest) onLines([rest]);
}
