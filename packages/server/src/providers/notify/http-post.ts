import http from 'node:http';
import https from 'node:https';
import type { EgressGuard } from '../../core/egress-guard.js';
import { KubeOpsError } from '../../core/errors.js';

const TIMEOUT_MS = 10_000;
/** Enough for any platform's JSON verdict; the rest of a bigger answer is not read. */
const MAX_ANSWER_BYTES = 64 * 1024;

interface Answer {
  status: number;
  location: string | undefined;
  body: string;
}

const failed = (channel: string, why: string) =>
  new KubeOpsError('notification_failed', 502, `${channel}: ${why}`);

function post(
  url: URL,
  text: string,
  headers: Record<string, string>,
  egress: EgressGuard,
): Promise<Answer> {
  egress.checkUrl(url);
  const client = url.protocol === 'https:' ? https : http;
  return new Promise((resolve, reject) => {
    const request = client.request(
      url,
      {
        method: 'POST',
        headers: { ...headers, 'content-length': String(Buffer.byteLength(text)) },
        // Every address the socket would connect to goes through the guard first.
        lookup: egress.lookup,
        timeout: TIMEOUT_MS,
      },
      (response) => {
        const chunks: Buffer[] = [];
        let size = 0;
        response.on('data', (chunk: Buffer) => {
          size += chunk.length;
          if (size <= MAX_ANSWER_BYTES) chunks.push(chunk);
          else response.destroy();
        });
        response.on('close', () =>
          resolve({
            status: response.statusCode ?? 0,
            location: response.headers.location,
            body: Buffer.concat(chunks).toString('utf8'),
          }),
        );
        response.on('error', reject);
      },
    );
    request.on('timeout', () =>
      request.destroy(new Error(`no answer within ${TIMEOUT_MS / 1000} s`)),
    );
    request.on('error', reject);
    request.end(text);
  });
}

/** Where a redirect points, as far as it can be named without its path (which may hold a token). */
function redirectTarget(location: string | undefined, from: URL): string {
  if (!location) return 'nowhere';
  try {
    return new URL(location, from).origin;
  } catch {
    return 'an unparseable location';
  }
}

/**
 * POSTs JSON to a chat or webhook endpoint and returns the parsed answer.
 * The URL is never put in an error (chat webhooks carry their token in it),
 * nor what the endpoint answered: an error says what happened, the remote
 * body stays out of errors, test results and the audit log. Redirects are
 * refused, not followed: a webhook that moved is reconfigured by a person.
 */
export async function postJson(
  channel: string,
  url: string,
  body: unknown,
  headers: Record<string, string>,
  egress: EgressGuard,
): Promise<unknown> {
  const text = typeof body === 'string' ? body : JSON.stringify(body);
  const target = new URL(url);
  let answer: Answer;
  try {
    answer = await post(
      target,
      text,
      { 'content-type': 'application/json; charset=utf-8', ...headers },
      egress,
    );
  } catch (error) {
    throw failed(channel, `the endpoint cannot be reached: ${(error as Error).message}`);
  }
  if (answer.status >= 300 && answer.status < 400) {
    throw failed(
      channel,
      `the endpoint answered ${answer.status}, a redirect to ${redirectTarget(answer.location, target)}; redirects are not followed, configure the final URL`,
    );
  }
  if (answer.status < 200 || answer.status >= 300) {
    throw failed(channel, `the endpoint answered ${answer.status}`);
  }
  try {
    return JSON.parse(answer.body) as unknown;
  } catch {
    return answer.body;
  }
}

/** Chat platforms answer 200 with an error code in the body; a non-zero code is a failure. */
export function requireZeroCode(channel: string, answer: unknown, field: 'errcode' | 'code'): void {
  const value = (answer as Record<string, unknown> | null)?.[field];
  if (value !== undefined && value !== 0) {
    // The code says which error it is (the platform documents them); its free text is not repeated.
    const code = typeof value === 'number' || typeof value === 'string' ? String(value) : '?';
    throw failed(channel, `the platform refused the message (${field} ${code.slice(0, 32)})`);
  }
}
