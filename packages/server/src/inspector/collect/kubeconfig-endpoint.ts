import type https from 'node:https';
import { KubeConfig } from '@kubernetes/client-node';
import { KubeOpsError } from '../../core/errors.js';
import type { ClusterEndpoint } from '../../kube/kube-client.js';

export interface KubeconfigSelection {
  /** A kubeconfig file; the usual KUBECONFIG / ~/.kube/config lookup when omitted. */
  kubeconfig?: string | undefined;
  context?: string | undefined;
}

const text = (value: unknown): string | undefined =>
  value === undefined ? undefined : Buffer.isBuffer(value) ? value.toString('utf8') : String(value);

/**
 * Resolves a kubeconfig context into the endpoint a KubeClient needs, the
 * way kubectl would: files or embedded data for certificates, tokens, and
 * exec or auth-provider plugins (through @kubernetes/client-node).
 */
export async function endpointFromKubeconfig(selection: KubeconfigSelection): Promise<{
  endpoint: ClusterEndpoint;
  context: string;
  namespace: string | undefined;
}> {
  const config = new KubeConfig();
  try {
    if (selection.kubeconfig) config.loadFromFile(selection.kubeconfig);
    else config.loadFromDefault();
  } catch (error) {
    throw new KubeOpsError(
      'invalid_kubeconfig',
      400,
      `kubeconfig: cannot read ${selection.kubeconfig ?? 'the default kubeconfig'}: ${(error as Error).message}`,
      { details: { field: 'kubeconfig' } },
    );
  }
  if (selection.context) {
    if (!config.getContextObject(selection.context)) {
      const known = config.getContexts().map((c) => c.name);
      throw new KubeOpsError(
        'invalid_kubeconfig',
        400,
        `context: ${selection.context} is not in the kubeconfig (it has: ${known.join(', ') || 'none'})`,
        { details: { field: 'context', known } },
      );
    }
    config.setCurrentContext(selection.context);
  }
  const cluster = config.getCurrentCluster();
  if (!cluster) {
    throw new KubeOpsError(
      'invalid_kubeconfig',
      400,
      'context: the kubeconfig has no current context with a cluster; pass --context',
      { details: { field: 'context' } },
    );
  }
  const options: https.RequestOptions = {};
  await config.applyToHTTPSOptions(options);
  const headers = (options.headers ?? {}) as Record<string, unknown>;
  const authorization = text(headers.Authorization ?? headers.authorization);
  const context = config.getCurrentContext();
  return {
    context,
    namespace: config.getContextObject(context)?.namespace,
    endpoint: {
      name: context,
      server: cluster.server,
      certificateAuthority: text(options.ca),
      clientCertificate: text(options.cert),
      clientKey: text(options.key),
      token: authorization?.replace(/^Bearer\s+/i, ''),
      insecureSkipTlsVerify: cluster.skipTLSVerify,
      tlsServerName: cluster.tlsServerName,
    },
  };
}
