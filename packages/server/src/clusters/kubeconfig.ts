import { parse } from 'yaml';
import type { KubeconfigContext } from '@kubeops/contracts';
import { invalidInput } from '../core/errors.js';
import type { ClusterEndpoint } from '../kube/kube-client.js';

interface NamedCluster {
  name: string;
  cluster?: Record<string, unknown>;
}
interface NamedUser {
  name: string;
  user?: Record<string, unknown>;
}
interface NamedContext {
  name: string;
  context?: { cluster?: string; user?: string };
}
interface Kubeconfig {
  clusters?: NamedCluster[];
  users?: NamedUser[];
  contexts?: NamedContext[];
  'current-context'?: string;
}

const b64 = (value: unknown) =>
  typeof value === 'string' ? Buffer.from(value, 'base64').toString('utf8') : undefined;
const str = (value: unknown) => (typeof value === 'string' && value ? value : undefined);

export function parseKubeconfig(text: string): Kubeconfig {
  let doc: unknown;
  try {
    doc = parse(text);
  } catch (error) {
    throw invalidInput('kubeconfig', `is neither YAML nor JSON: ${(error as Error).message}`);
  }
  if (typeof doc !== 'object' || doc === null || !Array.isArray((doc as Kubeconfig).contexts)) {
    throw invalidInput(
      'kubeconfig',
      'has no contexts list; paste the output of `kubectl config view --raw --flatten`',
    );
  }
  return doc as Kubeconfig;
}

/** Why a cluster's server URL cannot be called, or null: it must be http(s) with a host. */
export function serverUrlProblem(server: string): string | null {
  let url: URL;
  try {
    url = new URL(server);
  } catch {
    return `${JSON.stringify(server)} is not a URL`;
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:')
    return `${url.protocol} is not http(s)`;
  if (!url.hostname) return `${JSON.stringify(server)} names no host`;
  return null;
}

/**
 * Why a context cannot be used by a server, or null. Exec plugins and
 * auth-provider plugins run programs and read caches on the machine the
 * kubeconfig came from; file references point at that machine's disk.
 */
export function refusalOf(config: Kubeconfig, contextName: string): string | null {
  const ctx = config.contexts?.find((c) => c.name === contextName);
  if (!ctx?.context) return `context ${contextName} does not exist`;
  const cluster = config.clusters?.find((c) => c.name === ctx.context?.cluster)?.cluster;
  const user = config.users?.find((u) => u.name === ctx.context?.user)?.user ?? {};
  if (!cluster || !str(cluster.server))
    return `cluster ${ctx.context.cluster ?? ''} of context ${contextName} has no server`;
  const badServer = serverUrlProblem(str(cluster.server)!);
  if (badServer)
    return `cluster ${ctx.context.cluster ?? ''} of context ${contextName}: server ${badServer}`;
  if (user.exec) {
    const command = str((user.exec as { command?: unknown }).command) ?? 'a program';
    return `user ${ctx.context.user} authenticates by running ${command} (exec credentials), which cannot run on the KubeOps server; use a ServiceAccount token or a client certificate`;
  }
  if (user['auth-provider']) {
    return `user ${ctx.context.user} uses an auth-provider plugin, which cannot run on the KubeOps server; use a ServiceAccount token or a client certificate`;
  }
  for (const key of ['client-certificate', 'client-key', 'tokenFile'] as const) {
    if (user[key])
      return `user ${ctx.context.user} reads ${key} from a file; embed it with \`kubectl config view --raw --flatten\``;
  }
  if (cluster['certificate-authority']) {
    return `cluster ${ctx.context.cluster} reads its CA from a file; embed it with \`kubectl config view --raw --flatten\``;
  }
  if (user.username || user.password)
    return `user ${ctx.context.user} uses basic authentication, which Kubernetes no longer supports`;
  if (!user.token && !user['client-certificate-data'])
    return `user ${ctx.context.user} has no token or client certificate`;
  return null;
}

export function contextsOf(config: Kubeconfig): KubeconfigContext[] {
  return (config.contexts ?? []).map((c) => ({
    name: c.name,
    cluster: c.context?.cluster ?? '',
    user: c.context?.user ?? '',
    server: str(config.clusters?.find((k) => k.name === c.context?.cluster)?.cluster?.server) ?? '',
    current: c.name === config['current-context'],
    refusal: refusalOf(config, c.name),
  }));
}

/** The endpoint of a usable context; throws a 400 naming the context when it cannot be used. */
export function endpointOf(config: Kubeconfig, contextName: string, name: string): ClusterEndpoint {
  const refusal = refusalOf(config, contextName);
  if (refusal) throw invalidInput('contexts', refusal, { context: contextName });
  const ctx = config.contexts!.find((c) => c.name === contextName)!.context!;
  const cluster = config.clusters!.find((c) => c.name === ctx.cluster)!.cluster!;
  const user = config.users?.find((u) => u.name === ctx.user)?.user ?? {};
  return {
    name,
    server: str(cluster.server)!,
    certificateAuthority: b64(cluster['certificate-authority-data']),
    clientCertificate: b64(user['client-certificate-data']),
    clientKey: b64(user['client-key-data']),
    token: str(user.token),
    insecureSkipTlsVerify: cluster['insecure-skip-tls-verify'] === true,
    tlsServerName: str(cluster['tls-server-name']),
  };
}
