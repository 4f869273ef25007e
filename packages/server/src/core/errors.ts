import type { ErrorBody } from '@kubeops/contracts';

/**
 * The one error type of KubeOps. `code` is stable (clients and tests match on
 * it), `status` is the HTTP status it maps to, and `message` tells a person
 * what to do. `details` is sent to clients, so it never holds secrets or stacks.
 */
export class KubeOpsError extends Error {
  readonly code: string;
  readonly status: number;
  readonly details: Record<string, unknown> | undefined;
  /** Extra response headers, e.g. Retry-After on 429. */
  readonly headers: Record<string, string> | undefined;

  constructor(
    code: string,
    status: number,
    message: string,
    options: {
      details?: Record<string, unknown>;
      headers?: Record<string, string>;
      cause?: unknown;
    } = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'KubeOpsError';
    this.code = code;
    this.status = status;
    this.details = options.details;
    this.headers = options.headers;
  }

  toBody(): ErrorBody {
    return this.details === undefined
      ? { code: this.code, message: this.message }
      : { code: this.code, message: this.message, details: this.details };
  }
}

export const invalidInput = (
  field: string,
  message: string,
  details: Record<string, unknown> = {},
) =>
  new KubeOpsError('invalid_request', 400, `${field}: ${message}`, {
    details: { field, ...details },
  });

export const unauthenticated = (message = 'Sign in first: send a valid bearer token') =>
  new KubeOpsError('unauthenticated', 401, message);

export const forbidden = (permission: string, details: Record<string, unknown> = {}) =>
  new KubeOpsError('forbidden', 403, `You lack the permission ${permission}`, {
    details: { permission, ...details },
  });

export const notFound = (kind: string, id: string) =>
  new KubeOpsError('not_found', 404, `${kind} ${id} does not exist`, { details: { kind, id } });

export const conflict = (message: string, details: Record<string, unknown> = {}) =>
  new KubeOpsError('conflict', 409, message, { details });

export const tooManyRequests = (code: string, message: string, retryAfterSeconds: number) =>
  new KubeOpsError(code, 429, message, {
    details: { retryAfterSeconds },
    headers: { 'retry-after': String(Math.max(1, Math.ceil(retryAfterSeconds))) },
  });
