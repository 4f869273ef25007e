import { KubeOpsError } from '../core/errors.js';

/** The body of a failed Kubernetes API call (metav1.Status). */
export interface KubeStatus {
  kind?: string;
  status?: string;
  message?: string;
  reason?: string;
  code?: number;
  details?: {
    name?: string;
    group?: string;
    kind?: string;
    causes?: Array<{ reason?: string; message?: string; field?: string }>;
  };
}

const snake = (reason: string) => reason.replace(/([a-z])([A-Z])/g, '$1_$2').toLowerCase();

/**
 * An error answered by a cluster's API server, passed on with its own status
 * and message so the user sees exactly what the cluster said (a 403 stays a
 * 403). The code is `kube_<reason>`, e.g. `kube_forbidden`, `kube_invalid`.
 */
export function kubeApiError(httpStatus: number, body: unknown, fallback: string): KubeOpsError {
  const status = (typeof body === 'object' && body !== null ? body : {}) as KubeStatus;
  const reason =
    status.reason ||
    (httpStatus === 404 ? 'NotFound' : httpStatus === 403 ? 'Forbidden' : 'Unknown');
  const message =
    status.message ||
    (typeof body === 'string' && body.trim() ? body.trim().slice(0, 500) : fallback);
  const causes = status.details?.causes ?? [];
  const field = causes.find((c) => c.field)?.field;
  return new KubeOpsError(
    `kube_${snake(reason)}`,
    httpStatus >= 400 && httpStatus < 600 ? httpStatus : 502,
    message,
    {
      details: { reason, ...(field ? { field } : {}), ...(causes.length ? { causes } : {}) },
    },
  );
}

/** The cluster could not be reached at all (DNS, TCP, TLS, timeout). */
export function clusterUnreachable(cluster: string, cause: unknown): KubeOpsError {
  const why = cause instanceof Error ? cause.message : String(cause);
  return new KubeOpsError(
    'cluster_unreachable',
    502,
    `Cluster ${cluster} cannot be reached: ${why}`,
    {
      details: { cluster },
      cause,
    },
  );
}

export const isKubeStatus = (error: unknown, httpStatus: number) =>
  error instanceof KubeOpsError && error.status === httpStatus && error.code.startsWith('kube_');
