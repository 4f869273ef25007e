import { readFileSync } from 'node:fs';
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import tls from 'node:tls';
import { KubeOpsError } from '../../core/errors.js';

/** One series of a range query result: its labels and [unix seconds, value] samples. */
export interface RangeSeries {
  metric: Record<string, string>;
  values: Array<[number, string]>;
}

export interface PrometheusApiOptions {
  url: string;
  token?: string | undefined;
  headers?: Record<string, string> | undefined;
  insecureSkipTlsVerify?: boolean | undefined;
  username?: string | undefined;
  password?: string | undefined;
  caFile?: string | undefined;
  timeoutMs: number;
}

/** The Authorization header: the bearer token, else basic authentication when a user or password is set. */
function authorization(options: PrometheusApiOptions): Record<string, string> {
  if (options.token) return { authorization: `Bearer ${options.token}` };
  if (options.username || options.password) {
    const pair = `${options.username}:${options.password ?? ''}`;
    return { authorization: `Basic ${Buffer.from(pair, 'utf8').toString('base64')}` };
  }
  return {};
}

/** The CA certificates from metrics.caFile, added to the system's (Node's `ca` would replace them). */
function trustedCas(caFile: string): string[] {
  try {
    return [...tls.rootCertificates, readFileSync(caFile, 'utf8')];
  } catch (error) {
    throw new KubeOpsError(
      'config_invalid',
      400,
      `metrics.caFile: cannot read ${caFile}: ${(error as Error).message}`,
      { details: { field: 'metrics.caFile' } },
    );
  }
}

export interface RangeQuery {
  query: string;
  start: Date;
  end: Date;
  stepSeconds: number;
  signal?: AbortSignal | undefined;
}

interface ApiAnswer {
  status?: string;
  errorType?: string;
  error?: string;
  data?: { resultType?: string; result?: RangeSeries[] };
}

/** A range answer larger than this is refused rather than held in memory. */
const MAX_BODY_BYTES = 256 * 2 ** 20;

/**
 * The part of the Prometheus HTTP API the inspector needs: range queries.
 * Queries are POSTed as a form, so long selectors never hit URL limits.
 */
export class PrometheusApi {
  private readonly endpoint: URL;
  private readonly ca: string[] | undefined;

  constructor(private readonly options: PrometheusApiOptions) {
    const base = options.url.endsWith('/') ? options.url : `${options.url}/`;
    this.endpoint = new URL('api/v1/query_range', base);
    this.ca = options.caFile ? trustedCas(options.caFile) : undefined;
  }

  async queryRange(q: RangeQuery): Promise<RangeSeries[]> {
    const form = new URLSearchParams({
      query: q.query,
      start: (q.start.getTime() / 1000).toFixed(3),
      end: (q.end.getTime() / 1000).toFixed(3),
      step: `${q.stepSeconds}s`,
    }).toString();
    const { status, text } = await this.post(form, q.signal);
    let answer: ApiAnswer;
    try {
      answer = JSON.parse(text) as ApiAnswer;
    } catch {
      throw this.failure(`answered HTTP ${status} with a body that is not JSON`, q.query, status);
    }
    if (answer.status !== 'success') {
      const reason = `${answer.errorType ?? `HTTP ${status}`}: ${answer.error ?? 'no error message'}`;
      throw this.failure(reason, q.query, status);
    }
    if (answer.data?.resultType !== 'matrix')
      throw this.failure(`returned a ${answer.data?.resultType} instead of a matrix`, q.query);
    return answer.data.result ?? [];
  }

  private failure(reason: string, query: string, status?: number): KubeOpsError {
    return new KubeOpsError(
      status === 401 || status === 403 ? 'metrics_unauthorized' : 'metrics_query_failed',
      502,
      `metrics.url: ${this.endpoint.origin} ${reason} (query ${query})`,
      { details: { field: 'metrics.url', status, query } },
    );
  }

  private post(form: string, signal?: AbortSignal): Promise<{ status: number; text: string }> {
    const { options, endpoint } = this;
    const send = endpoint.protocol === 'https:' ? httpsRequest : httpRequest;
    return new Promise((resolve, reject) => {
      const req = send(
        endpoint,
        {
          method: 'POST',
          headers: {
            ...options.headers,
            ...authorization(options),
            'content-type': 'application/x-www-form-urlencoded',
            'content-length': Buffer.byteLength(form),
            accept: 'application/json',
          },
          ...(endpoint.protocol === 'https:' && options.insecureSkipTlsVerify
            ? { rejectUnauthorized: false }
            : {}),
          ...(endpoint.protocol === 'https:' && this.ca ? { ca: this.ca } : {}),
          signal,
        },
        (res: IncomingMessage) => {
          const chunks: Buffer[] = [];
          let size = 0;
          res.on('data', (chunk: Buffer) => {
            size += chunk.length;
            if (size > MAX_BODY_BYTES) {
              req.destroy(new Error(`answer larger than ${MAX_BODY_BYTES} bytes`));
              return;
            }
            chunks.push(chunk);
          });
          res.on('end', () =>
            resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }),
          );
          res.on('error', reject);
        },
      );
      req.setTimeout(options.timeoutMs, () =>
        req.destroy(
          new KubeOpsError(
            'metrics_timeout',
            504,
            `metrics.url: ${endpoint.origin} gave no answer within ${options.timeoutMs} ms (metrics.timeoutMs)`,
            { details: { field: 'metrics.timeoutMs' } },
          ),
        ),
      );
      req.on('error', (error) =>
        reject(
          error instanceof KubeOpsError
            ? error
            : new KubeOpsError(
                'metrics_unreachable',
                502,
                `metrics.url: ${endpoint.origin} could not be reached: ${error.message}`,
                { details: { field: 'metrics.url' } },
              ),
        ),
      );
      req.end(form);
    });
  }
}
