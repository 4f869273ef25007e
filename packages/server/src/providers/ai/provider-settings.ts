import { DEFAULT_RETRY, type RetryPolicy } from './http-transport.js';
import { aiConfigError } from './errors.js';

/** Settings every HTTP-based provider shares. */
export interface HttpProviderSettings {
  /** Per attempt; local models on a CPU need minutes, hosted ones seconds. */
  timeoutMs?: number;
  retry?: Partial<RetryPolicy>;
  /** Extra request headers (a gateway's routing header, an organisation id). */
  headers?: Record<string, string>;
}

export const DEFAULT_TIMEOUT_MS = 120_000;

export interface ResolvedHttpSettings {
  timeoutMs: number;
  retry: RetryPolicy;
  headers: Record<string, string>;
}

export function resolveHttpSettings(
  settings: HttpProviderSettings,
  field: string,
): ResolvedHttpSettings {
  const timeoutMs = settings.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  if (!Number.isFinite(timeoutMs) || timeoutMs <= 0)
    throw aiConfigError(`${field}.timeoutMs`, 'must be a positive number of milliseconds');
  const retry = { ...DEFAULT_RETRY, ...settings.retry };
  if (!Number.isInteger(retry.retries) || retry.retries < 0)
    throw aiConfigError(`${field}.retry.retries`, 'must be a whole number, 0 or more');
  return { timeoutMs, retry, headers: { ...settings.headers } };
}

export function requireText(value: unknown, field: string): string {
  if (typeof value !== 'string' || value.trim() === '') throw aiConfigError(field, 'is required');
  return value.trim();
}

export function requireUrl(value: unknown, field: string): string {
  const text = requireText(value, field);
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw aiConfigError(field, `"${text}" is not a URL`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:')
    throw aiConfigError(field, 'must be an http:// or https:// URL');
  return text.replace(/\/+$/, '');
}
