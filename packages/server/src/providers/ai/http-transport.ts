import { setTimeout as sleep } from 'node:timers/promises';
import type { KubeOpsError } from '../../core/errors.js';
import { aiProviderError, aiProviderTimeout, aiRequestAborted } from './errors.js';

export interface RetryPolicy {
  /** Retries after the first attempt, on 429, 5xx and connection failures. */
  retries: number;
  /** First backoff; doubles each retry, with jitter. */
  baseDelayMs: number;
  maxDelayMs: number;
  /** A Retry-After longer than this fails the call instead of stalling the inspection. */
  maxRetryAfterMs: number;
}

export const DEFAULT_RETRY: RetryPolicy = {
  retries: 2,
  baseDelayMs: 500,
  maxDelayMs: 8_000,
  maxRetryAfterMs: 60_000,
};

export interface HttpCallOptions {
  /** Names the provider in errors. */
  provider: string;
  headers: Record<string, string>;
  /** Per attempt. */
  timeoutMs: number;
  retry: RetryPolicy;
  /** Values (API keys) blanked out of any text an error carries. */
  secrets: string[];
  signal?: AbortSignal;
}

/**
 * POSTs JSON and returns the parsed JSON answer. Retries 429 and 5xx with
 * exponential backoff, honouring Retry-After, so a busy model service slows
 * an inspection down instead of failing it. Errors never carry request
 * headers, and answer excerpts have the secrets removed.
 */
export async function postJson(
  url: string,
  body: unknown,
  options: HttpCallOptions,
): Promise<unknown> {
  const payload = JSON.stringify(body);
  for (let attempt = 0; ; attempt++) {
    let response: Response;
    try {
      response = await fetch(url, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          accept: 'application/json',
          ...options.headers,
        },
        body: payload,
        signal: attemptSignal(options),
      });
    } catch (error) {
      if (options.signal?.aborted) throw aiRequestAborted(options.provider);
      if (isTimeout(error)) throw aiProviderTimeout(options.provider, options.timeoutMs);
      if (attempt < options.retry.retries) {
        await pause(backoff(options.retry, attempt), options);
        continue;
      }
      throw aiProviderError(
        'ai_provider_unavailable',
        options.provider,
        `AI provider ${options.provider} is unreachable at ${safeUrl(url)}: ${redact(causeOf(error), options.secrets)}`,
      );
    }

    let text: string;
    try {
      text = await response.text();
    } catch (error) {
      if (options.signal?.aborted) throw aiRequestAborted(options.provider);
      if (isTimeout(error)) throw aiProviderTimeout(options.provider, options.timeoutMs);
      throw error;
    }
    if (response.ok) {
      try {
        return JSON.parse(text) as unknown;
      } catch {
        throw aiProviderError(
          'ai_provider_bad_response',
          options.provider,
          `AI provider ${options.provider} answered with something that is not JSON: ${excerpt(text, options.secrets)}`,
        );
      }
    }

    const retryable = response.status === 429 || response.status >= 500;
    if (retryable && attempt < options.retry.retries) {
      const retryAfter = parseRetryAfter(response.headers.get('retry-after'));
      if (retryAfter === undefined || retryAfter <= options.retry.maxRetryAfterMs) {
        await pause(retryAfter ?? backoff(options.retry, attempt), options);
        continue;
      }
    }
    throw statusError(response, text, options);
  }
}

function statusError(response: Response, text: string, options: HttpCallOptions): KubeOpsError {
  const what = `AI provider ${options.provider} answered HTTP ${response.status}: ${excerpt(text, options.secrets)}`;
  const details = { status: response.status };
  if (response.status === 401 || response.status === 403)
    return aiProviderError(
      'ai_provider_unauthorized',
      options.provider,
      `${what} (check its API key)`,
      details,
    );
  if (response.status === 429) {
    const retryAfter = response.headers.get('retry-after');
    return aiProviderError('ai_provider_rate_limited', options.provider, what, {
      ...details,
      ...(retryAfter ? { retryAfter } : {}),
    });
  }
  if (response.status >= 500)
    return aiProviderError('ai_provider_unavailable', options.provider, what, details);
  return aiProviderError('ai_provider_rejected', options.provider, what, details);
}

function attemptSignal(options: HttpCallOptions): AbortSignal {
  const timeout = AbortSignal.timeout(options.timeoutMs);
  return options.signal ? AbortSignal.any([options.signal, timeout]) : timeout;
}

async function pause(ms: number, options: HttpCallOptions): Promise<void> {
  try {
    await sleep(ms, undefined, options.signal ? { signal: options.signal } : {});
  } catch {
    throw aiRequestAborted(options.provider);
  }
}

const isTimeout = (error: unknown) =>
  error instanceof DOMException
    ? error.name === 'TimeoutError'
    : (error as Error)?.name === 'TimeoutError';

function backoff(policy: RetryPolicy, attempt: number): number {
  const ceiling = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** attempt);
  return Math.round(ceiling / 2 + (Math.random() * ceiling) / 2);
}

/** Retry-After is either delay seconds or an HTTP date. */
export function parseRetryAfter(value: string | null, now = Date.now()): number | undefined {
  if (!value) return undefined;
  const trimmed = value.trim();
  if (/^\d+(\.\d+)?$/.test(trimmed)) return Math.round(Number(trimmed) * 1000);
  const at = Date.parse(trimmed);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

function causeOf(error: unknown): string {
  const cause = (error as { cause?: { code?: string; message?: string } }).cause;
  return cause?.code ?? cause?.message ?? (error as Error).message ?? String(error);
}

export function redact(text: string, secrets: string[]): string {
  let out = text;
  for (const secret of secrets) if (secret.length >= 4) out = out.split(secret).join('[redacted]');
  return out;
}

function excerpt(text: string, secrets: string[]): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return redact(flat.length > 300 ? `${flat.slice(0, 300)}…` : flat || '(empty body)', secrets);
}

/** The URL without credentials or query (Azure keys sometimes travel in the query). */
export function safeUrl(url: string): string {
  try {
    const parsed = new URL(url);
    return `${parsed.protocol}//${parsed.host}${parsed.pathname}`;
  } catch {
    return '(invalid URL)';
  }
}
