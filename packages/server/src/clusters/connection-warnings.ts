import type { ClusterWarning } from '@kubeops/contracts';
import type { ClusterEndpoint } from '../kube/kube-client.js';

const MESSAGES: Record<ClusterWarning['code'], string> = {
  plain_http:
    'The API server is reached over plain http://: credentials and every object travel unencrypted and unauthenticated. Use https://.',
  tls_verify_disabled:
    "TLS verification is off (insecure-skip-tls-verify): anyone on the path can pose as the API server and read KubeOps's credentials. Give the cluster's CA instead.",
};

export type ClusterWarningCode = ClusterWarning['code'];

/** What is weak about how an endpoint is reached; accepted (test clusters use it) but never silently. */
export function connectionWarningCodes(endpoint: ClusterEndpoint): ClusterWarningCode[] {
  const codes: ClusterWarningCode[] = [];
  if (endpoint.server.toLowerCase().startsWith('http://')) codes.push('plain_http');
  else if (endpoint.insecureSkipTlsVerify) codes.push('tls_verify_disabled');
  return codes;
}

export function clusterWarnings(codes: readonly string[]): ClusterWarning[] {
  return codes
    .filter((c): c is ClusterWarningCode => c in MESSAGES)
    .map((code) => ({ code, message: MESSAGES[code] }));
}
