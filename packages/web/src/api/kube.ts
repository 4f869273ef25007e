import { api, buildUrl, request, session } from './http';
import type {
  ApiResource,
  ApplyResponse,
  KubeEvent,
  KubeObject,
  ResourceList,
  ResourceListQuery,
  ResourceRef,
} from './kube-types';

const enc = encodeURIComponent;
/** The core group ("" in Kubernetes) travels as "core" in paths. */
export const groupSegment = (group: string) => (group === '' ? 'core' : group);

const clusterPath = (cluster: string) => `/api/v1/clusters/${enc(cluster)}`;

/** `/api/v1/clusters/{cluster}/resources/{group}/{version}/{resource}[/{namespace}/{name}]`; `-` for no namespace. */
export function resourcePath(
  cluster: string,
  ref: ResourceRef,
  namespace?: string,
  name?: string,
): string {
  const base = `${clusterPath(cluster)}/resources/${enc(groupSegment(ref.group))}/${enc(ref.version)}/${enc(ref.resource)}`;
  return name === undefined ? base : `${base}/${enc(namespace || '-')}/${enc(name)}`;
}

export interface LogOptions {
  container?: string;
  previous?: boolean;
  tailLines?: number;
  sinceSeconds?: number;
  timestamps?: boolean;
  follow?: boolean;
}

export const kubeApi = {
  discovery: (cluster: string) =>
    api.get<{ items: ApiResource[] }>(`${clusterPath(cluster)}/discovery`),
  namespaces: (cluster: string) =>
    api.get<{ items: string[] }>(`${clusterPath(cluster)}/namespaces`),
  list: (cluster: string, ref: ResourceRef, query: ResourceListQuery = {}, signal?: AbortSignal) =>
    api.get<ResourceList>(resourcePath(cluster, ref), { ...query }, signal),
  get: (cluster: string, ref: ResourceRef, namespace: string | undefined, name: string) =>
    api.get<KubeObject>(resourcePath(cluster, ref, namespace, name)),
  remove: (cluster: string, ref: ResourceRef, namespace: string | undefined, name: string) =>
    api.delete<unknown>(resourcePath(cluster, ref, namespace, name), {
      propagationPolicy: 'Background',
    }),
  scale: (
    cluster: string,
    ref: ResourceRef,
    namespace: string | undefined,
    name: string,
    replicas: number,
  ) => api.post<unknown>(`${resourcePath(cluster, ref, namespace, name)}/scale`, { replicas }),
  restart: (cluster: string, ref: ResourceRef, namespace: string | undefined, name: string) =>
    api.post<unknown>(`${resourcePath(cluster, ref, namespace, name)}/restart`),
  events: (
    cluster: string,
    query: { namespace?: string; kind?: string; name?: string; type?: string },
  ) => api.get<{ items: KubeEvent[] }>(`${clusterPath(cluster)}/events`, query),
  related: (cluster: string, ref: ResourceRef, namespace: string | undefined, name: string) =>
    api.get<{ owners: KubeObject[]; children: KubeObject[] }>(
      `${resourcePath(cluster, ref, namespace, name)}/related`,
    ),
  /** Server-side apply of one or more YAML documents; `dryRun` returns the diff without changing anything. */
  apply: (cluster: string, yaml: string, dryRun: boolean) =>
    request<ApplyResponse>('POST', `${clusterPath(cluster)}/apply`, {
      query: { dryRun: dryRun ? 'true' : undefined },
      text: { body: yaml, contentType: 'application/yaml' },
    }),
  openApiSchema: (cluster: string, ref: ResourceRef) =>
    api.get<Record<string, unknown>>(
      `${clusterPath(cluster)}/openapi/${enc(groupSegment(ref.group))}/${enc(ref.version)}`,
    ),
  logsUrl: (cluster: string, namespace: string, pod: string, options: LogOptions) =>
    buildUrl(
      `${resourcePath(cluster, { group: '', version: 'v1', resource: 'pods' }, namespace, pod)}/log`,
      {
        ...options,
        access_token: options.follow ? session.accessToken : undefined,
      },
    ),
  workloadLogsUrl: (
    cluster: string,
    ref: ResourceRef,
    namespace: string,
    name: string,
    options: LogOptions,
  ) => buildUrl(`${resourcePath(cluster, ref, namespace, name)}/logs`, { ...options }),
  execUrl: (
    cluster: string,
    namespace: string,
    pod: string,
    container: string | undefined,
    command: string[],
  ) => {
    const scheme = location.protocol === 'https:' ? 'wss:' : 'ws:';
    const path = buildUrl(
      `${resourcePath(cluster, { group: '', version: 'v1', resource: 'pods' }, namespace, pod)}/exec`,
      {
        container,
        command,
        tty: 'true',
        access_token: session.accessToken,
      },
    );
    return `${scheme}//${location.host}${path}`;
  },
};
