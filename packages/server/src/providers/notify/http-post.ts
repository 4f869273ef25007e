import { KubeOpsError } from '../../core/errors.js';

const TIMEOUT_MS = 10_000;

/**
 * POSTs JSON to a chat or webhook endpoint and returns the parsed answer.
 * The URL is never put in an error: chat webhooks carry their token in it.
 */
export async function postJson(
  channel: string,
  url: string,
  body: unknown,
  headers: Record<string, string> = {},
): Promise<unknown> {
  const text = typeof body === 'string' ? body : JSON.stringify(body);
  let response: Response;
  try {
    response = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json; charset=utf-8', ...headers },
      body: text,
      signal: AbortSignal.timeout(TIMEOUT_MS),
    });
  } catch (error) {
    throw new KubeOpsError(
      'notification_failed',
      502,
      `${channel}: the endpoint cannot be reached: ${(error as Error).message}`,
    );
  }
  const answer = await response.text();
  if (!response.ok) {
    throw new KubeOpsError(
      'notification_failed',
      502,
      `${channel}: the endpoint answered ${response.status}: ${answer.slice(0, 200)}`,
    );
  }
  try {
    return JSON.parse(answer) as unknown;
  } catch {
    return answer;
  }
}

/** Chat platforms answer 200 with an error code in the body; a non-zero code is a failure. */
export function requireZeroCode(channel: string, answer: unknown, field: 'errcode' | 'code'): void {
  const value = (answer as Record<string, unknown> | null)?.[field];
  if (value !== undefined && value !== 0) {
    const message =
      (answer as Record<string, unknown>).errmsg ?? (answer as Record<string, unknown>).msg;
    throw new KubeOpsError(
      'notification_failed',
      502,
      `${channel}: the platform refused the message (${field} ${String(value)}: ${String(message ?? '')})`,
    );
  }
}
