import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { KubeOpsError } from '../core/errors.js';

type ValidationError = {
  instancePath?: string;
  schemaPath?: string;
  keyword?: string;
  message?: string;
  params?: Record<string, unknown>;
};

/** `body.user.name`, from the ajv error and the part of the request it was found in. */
export function fieldOf(context: string | undefined, error: ValidationError): string {
  const segments = (error.instancePath ?? '')
    .split('/')
    .filter(Boolean)
    .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'));
  const missing = error.params?.missingProperty ?? error.params?.additionalProperty;
  if (typeof missing === 'string') segments.push(missing);
  // Fastify calls the query string `querystring`; the API's own checks (and its docs) say `query`.
  const part = context === 'querystring' ? 'query' : (context ?? 'body');
  return [part, ...segments].join('.');
}

function describe(error: ValidationError): string {
  if (error.keyword === 'additionalProperties') return 'is not a known field';
  if (error.keyword === 'required') return 'is required';
  return error.message ?? 'is invalid';
}

/**
 * For a union of request shapes told apart by a literal (e.g. `source`),
 * ajv reports every branch's errors; the useful ones are those of the branch
 * whose literal matched. Branches that failed on a `const` are dropped, and
 * the union's own summary ("must match a schema in anyOf") goes last.
 */
export function relevantErrors(errors: ValidationError[]): ValidationError[] {
  const branchOf = (e: ValidationError) => /\/anyOf\/(\d+)\//.exec(e.schemaPath ?? '')?.[1];
  const wrongBranches = new Set(errors.filter((e) => e.keyword === 'const').map(branchOf));
  const kept = errors.filter(
    (e) => e.keyword !== 'anyOf' && !(branchOf(e) !== undefined && wrongBranches.has(branchOf(e))),
  );
  return kept.length > 0 ? kept : errors;
}

/** Maps anything thrown to the uniform `{code, message, details}` body; never leaks a stack. */
export function toKubeOpsError(error: unknown): KubeOpsError {
  if (error instanceof KubeOpsError) return error;
  const e = error as FastifyError & { validation?: ValidationError[]; validationContext?: string };
  if (Array.isArray(e.validation) && e.validation.length > 0) {
    const problems = relevantErrors(e.validation).map((v) => ({
      field: fieldOf(e.validationContext, v),
      message: describe(v),
    }));
    const first = problems[0]!;
    return new KubeOpsError('invalid_request', 400, `${first.field}: ${first.message}`, {
      details: { field: first.field, problems },
    });
  }
  const status = typeof e.statusCode === 'number' ? e.statusCode : 500;
  if (status >= 400 && status < 500) {
    const known: Record<string, [string, string]> = {
      FST_ERR_CTP_BODY_TOO_LARGE: ['payload_too_large', 'The request body is too large'],
      FST_ERR_CTP_INVALID_MEDIA_TYPE: [
        'unsupported_media_type',
        'Send the body as application/json',
      ],
      FST_ERR_CTP_EMPTY_JSON_BODY: [
        'invalid_request',
        'body: must not be empty when Content-Type is application/json',
      ],
      FST_ERR_CTP_INVALID_JSON_BODY: ['invalid_json', 'body: is not valid JSON'],
      FST_ERR_CTP_INVALID_CONTENT_LENGTH: [
        'invalid_request',
        'Content-Length does not match the body',
      ],
    };
    const [code, message] =
      known[e.code] ??
      (e instanceof SyntaxError
        ? ['invalid_json', 'body: is not valid JSON']
        : ['bad_request', e.message]);
    return new KubeOpsError(code, status, message);
  }
  return new KubeOpsError(
    'internal',
    500,
    'Internal error; the request id in x-request-id identifies it in the server log',
  );
}

export function errorHandler(
  error: unknown,
  request: FastifyRequest,
  reply: FastifyReply,
): FastifyReply {
  const mapped = toKubeOpsError(error);
  if (mapped.status >= 500) request.log.error({ err: error }, 'request failed');
  else request.log.info({ code: mapped.code, status: mapped.status }, mapped.message);
  for (const [name, value] of Object.entries(mapped.headers ?? {})) reply.header(name, value);
  return reply.code(mapped.status).type('application/json; charset=utf-8').send(mapped.toBody());
}
