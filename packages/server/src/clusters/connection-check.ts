import type { EgressGuard } from '../core/egress-guard.js';
import { KubeOpsError } from '../core/errors.js';
import { KubeClient, type ClusterEndpoint } from '../kube/kube-client.js';

/** How long a registration or a health probe waits for /version. */
export const VERSION_TIMEOUT_MS = 5_000;

export interface VersionAnswer {
  version: string | null;
  latencyMs: number;
}

/** GET /version with the probe timeout: the cheapest call every API server answers to any authenticated caller. */
export async function fetchVersion(client: KubeClient): Promise<VersionAnswer> {
  const started = performance.now();
  const answer = await client.request<unknown>({ path: '/version', timeoutMs: VERSION_TIMEOUT_MS });
  const version =
    typeof answer === 'object' && answer !== null
      ? (answer as { gitVersion?: unknown }).gitVersion
      : undefined;
  if (typeof version !== 'string')
    throw new KubeOpsError(
      'not_kubernetes',
      502,
      'its /version answer has no gitVersion; the URL does not point at a Kubernetes API server',
    );
  return { version, latencyMs: Math.round((performance.now() - started) * 10) / 10 };
}

/** Why a connection check failed, as a client matches on it (`details.reason`). */
export type ConnectionFailure =
  | 'unreachable'
  | 'timeout'
  | 'tls'
  | 'unauthorized'
  | 'forbidden'
  | 'not_kubernetes'
  | 'credentials_unreadable'
  | 'egress_denied';

/** Where the request said how to reach the cluster, so the error names the field to fix. */
export interface ConnectionSource {
  /** The request field to fix for a failure of this kind (`body.token` for a 401, …). */
  field: (reason: ConnectionFailure) => string;
  context?: string | undefined;
}

const TLS_CODES =
  /^(ERR_TLS_|ERR_SSL_|ERR_OSSL_|CERT_|UNABLE_TO_|DEPTH_ZERO_|SELF_SIGNED_|HOSTNAME_MISMATCH|EPROTO)/;

function rootCause(error: unknown): { code?: string; message: string } {
  let current = error;
  while (current instanceof KubeOpsError && current.cause !== undefined) current = current.cause;
  const code = (current as { code?: unknown } | null)?.code;
  return {
    ...(typeof code === 'string' ? { code } : {}),
    message: current instanceof Error ? current.message : String(current),
  };
}

/** Sorts a failed /version call into what the person registering the cluster has to fix. */
export function classifyFailure(error: unknown): { reason: ConnectionFailure; why: string } {
  const root = rootCause(error);
  if (root.code === 'egress_denied') return { reason: 'egress_denied', why: root.message };
  if (error instanceof KubeOpsError) {
    if (error.code === 'not_kubernetes') return { reason: 'not_kubernetes', why: error.message };
    if (error.status === 401)
      return {
        reason: 'unauthorized',
        why: 'the cluster refused the credentials (401 Unauthorized): the token or client certificate is wrong or expired',
      };
    // What the server answered is not repeated: a URL pointing elsewhere (a metadata service,
    // an internal app) must not turn registration into a way of reading it.
    if (error.status === 403)
      return {
        reason: 'forbidden',
        why: 'the cluster denied these credentials even /version (403 Forbidden)',
      };
    if (error.code !== 'cluster_unreachable')
      return {
        reason: 'not_kubernetes',
        why: `/version answered ${error.status}; the URL does not point at a Kubernetes API server`,
      };
  }
  const cause = root;
  if (cause.message.startsWith('no answer within'))
    return {
      reason: 'timeout',
      why: `no answer within ${VERSION_TIMEOUT_MS / 1000} s: check the address and that KubeOps can reach it`,
    };
  if (cause.code && TLS_CODES.test(cause.code))
    return {
      reason: 'tls',
      why: `TLS failed (${cause.code}: ${cause.message}): check the CA certificate, the client certificate and the server name`,
    };
  return {
    reason: 'unreachable',
    why: `${cause.code && !cause.message.includes(cause.code) ? `${cause.code}: ` : ''}${cause.message.replace(/^Cluster \S+ cannot be reached: /, '')}; check the server URL and that KubeOps can reach it`,
  };
}

export function connectionFailed(
  endpoint: Pick<ClusterEndpoint, 'name' | 'server'>,
  source: ConnectionSource,
  reason: ConnectionFailure,
  why: string,
): KubeOpsError {
  const where = source.context ? ` (context ${source.context})` : '';
  const field = source.field(reason);
  return new KubeOpsError(
    'cluster_connection_failed',
    422,
    `${field}: cluster ${endpoint.name}${where} at ${endpoint.server} did not accept the connection, so nothing was registered: ${why}`,
    {
      details: {
        field,
        reason,
        cluster: endpoint.name,
        server: endpoint.server,
        ...(source.context ? { context: source.context } : {}),
      },
    },
  );
}

/**
 * Connects to a cluster as the supplied credentials before KubeOps stores
 * them, so a typo in the URL, a wrong CA or a dead token is refused at once
 * with its reason instead of becoming a registered cluster that never works.
 */
export async function verifyConnection(
  endpoint: ClusterEndpoint,
  source: ConnectionSource,
  egress: EgressGuard,
): Promise<VersionAnswer> {
  try {
    egress.checkUrl(endpoint.server);
  } catch (error) {
    throw connectionFailed(endpoint, source, 'egress_denied', (error as Error).message);
  }
  let client: KubeClient;
  try {
    // Every address the check connects to passes the guard, including what the name resolves to then.
    client = new KubeClient({ ...endpoint, lookup: egress.lookup });
  } catch (error) {
    throw connectionFailed(
      endpoint,
      source,
      'tls',
      `the TLS material is unusable: ${rootCause(error).message}`,
    );
  }
  try {
    return await fetchVersion(client);
  } catch (error) {
    const { reason, why } = classifyFailure(error);
    throw connectionFailed(endpoint, source, reason, why);
  } finally {
    client.close();
  }
}
