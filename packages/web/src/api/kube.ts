import type { Static } from '@sinclair/typebox';
import type { EventQuery, RelatedObjects } from '@kubeops/contracts';
import { api, buildUrl, request } from './http';
import { socketTicket } from './socket-ticket';
import type {
  ApplyResult,
  ChangeResult,
  Discovery,
  KubeObject,
  LogQuery,
  NamespaceListBody,
  ResourcePage,
  ResourceQuery,
  ResourceRef,
} from './kube-types';

const enc = encodeURIComponent;
/** The core group ("" in Kubernetes) travels as "core" in paths. */
export const groupSegment = (group: string) => (group === '' ? 'core' : group);

const clusterPath = (cluster: string) => `/api/v1/clusters/${enc(cluster)}`;

/** `/api/v1/clusters/{cluster}/resources/{group}/{version}/{resource}[/{name}]`; the namespace goes in the query. */
/** Pod logs and exec live beside the resource routes, addressed by namespace and name. */
const podPath = (cluster: string, namespace: string, pod: string) =>
  `${clusterPath(cluster)}/pods/${enc(namespace)}/${enc(pod)}`;

export function resourcePath(cluster: string, ref: ResourceRef, name?: string): string {
  const base = `${clusterPath(cluster)}/resources/${enc(groupSegment(ref.group))}/${enc(ref.version)}/${enc(ref.resource)}`;
  return name === undefined ? base : `${base}/${enc(name)}`;
}

export const POD_REF: ResourceRef = { group: '', version: 'v1', resource: 'pods' };
type Namespace = string | undefined;

export const kubeApi = {
  discovery: (cluster: string) => api.get<Discovery>(`${clusterPath(cluster)}/discovery`),
  namespaces: (cluster: string) => api.get<NamespaceListBody>(`${clusterPath(cluster)}/namespaces`),
  list: (cluster: string, ref: ResourceRef, query: ResourceQuery = {}, signal?: AbortSignal) =>
    api.get<ResourcePage>(resourcePath(cluster, ref), { ...query }, signal),
  /** Every row of a query, following the cursor page by page. */
  async listAll(
    cluster: string,
    ref: ResourceRef,
    query: ResourceQuery = {},
  ): Promise<ResourcePage> {
    const first = await kubeApi.list(cluster, ref, { limit: 1000, ...query });
    let cursor = first.nextCursor;
    while (cursor) {
      const next = await kubeApi.list(cluster, ref, { limit: 1000, ...query, cursor });
      first.items.push(...next.items);
      cursor = next.nextCursor;
    }
    return { ...first, nextCursor: null };
  },
  /** Whole objects (not table rows) of a query: for pages that read fields the printer columns lack. */
  async objects(
    cluster: string,
    ref: ResourceRef,
    query: ResourceQuery = {},
  ): Promise<KubeObject[]> {
    const page = await kubeApi.listAll(cluster, ref, { ...query, include: 'objects' });
    return page.items.map((row) => row.object as KubeObject);
  },
  get: (cluster: string, ref: ResourceRef, namespace: Namespace, name: string) =>
    api.get<KubeObject>(resourcePath(cluster, ref, name), { namespace }),
  remove: (cluster: string, ref: ResourceRef, namespace: Namespace, name: string) =>
    request<ChangeResult>('DELETE', resourcePath(cluster, ref, name), {
      query: { namespace, propagationPolicy: 'Background' },
    }),
  scale: (
    cluster: string,
    ref: ResourceRef,
    namespace: Namespace,
    name: string,
    replicas: number,
  ) =>
    request<ChangeResult>('POST', `${resourcePath(cluster, ref, name)}/scale`, {
      query: { namespace },
      body: { replicas },
    }),
  restart: (cluster: string, ref: ResourceRef, namespace: Namespace, name: string) =>
    request<ChangeResult>('POST', `${resourcePath(cluster, ref, name)}/restart`, {
      query: { namespace },
      body: {},
    }),
  /** Server-side apply of one or more YAML documents; `dryRun` returns each document's diff and changes nothing. */
  apply: (
    cluster: string,
    manifest: string,
    options: { dryRun: boolean; namespace?: string; force?: boolean },
  ) =>
    request<ApplyResult>('POST', `${clusterPath(cluster)}/apply`, {
      body: { manifest, ...options },
      bodyOn: [422],
    }),
  openApiSchema: (cluster: string, ref: Pick<ResourceRef, 'group' | 'version'>) =>
    api.get<Record<string, unknown>>(
      `${clusterPath(cluster)}/openapi/${enc(groupSegment(ref.group))}/${enc(ref.version)}`,
    ),
  events: (cluster: string, query: Static<typeof EventQuery>) =>
    api.get<{ items: KubeObject[] }>(`${clusterPath(cluster)}/events`, query),
  related: (cluster: string, ref: ResourceRef, namespace: Namespace, name: string) =>
    api.get<Static<typeof RelatedObjects>>(`${resourcePath(cluster, ref, name)}/related`, {
      namespace,
    }),
  logsUrl: (cluster: string, namespace: string, pod: string, query: LogQuery) =>
    buildUrl(`${podPath(cluster, namespace, pod)}/log`, { ...query }),
  execUrl: async (
    cluster: string,
    namespace: string,
    pod: string,
    container: string | undefined,
    command: string[],
  ) => {
    const scheme = location.protocol === 'https:' ? 'wss:' : 'ws:';
    const path = buildUrl(`${podPath(cluster, namespace, pod)}/exec`, {
      container,
      command,
      tty: 'true',
      ticket: await socketTicket(),
    });
    return `${scheme}//${location.host}${path}`;
  },
};
