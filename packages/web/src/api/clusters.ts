import type { Static } from '@sinclair/typebox';
import type {
  Cluster,
  ClusterCreateRequest,
  ClusterCreateResponse,
  KubeconfigContext,
} from '@kubeops/contracts';
import { api } from './http';

export type { Cluster, KubeconfigContext };
export type ClusterHealth = Cluster['health'];
type Created = Static<typeof ClusterCreateResponse>;

const base = '/api/v1/clusters';
const one = (name: string) => `${base}/${encodeURIComponent(name)}`;

export const clustersApi = {
  list: () => api.get<{ items: Cluster[] }>(base),
  get: (name: string) => api.get<Cluster>(one(name)),
  create: (body: ClusterCreateRequest) => api.post<Created>(base, body),
  update: (name: string, body: Partial<ClusterCreateRequest>) =>
    api.patch<Cluster>(one(name), body),
  remove: (name: string) => api.delete<void>(one(name)),
  /** Checks the cluster now instead of waiting for the next health round. */
  probe: (name: string) => api.post<Cluster['health']>(`${one(name)}/probe`),
  /** The contexts of a kubeconfig, each with why it cannot be registered (exec credentials) if so. */
  contexts: (kubeconfig: string) =>
    api.post<{ items: KubeconfigContext[] }>(`${base}/kubeconfig-contexts`, { kubeconfig }),
};
