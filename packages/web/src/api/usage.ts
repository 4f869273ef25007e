import type { ClusterUsage } from '@kubeops/contracts';
import { api } from './http';

export type { ClusterUsage };
/** The answer when the server has a metrics provider. */
export type ConfiguredUsage = Extract<ClusterUsage, { configured: true }>;

export const usageApi = {
  /** CPU and memory use of a cluster with a trend over the last `minutes`. */
  cluster: (cluster: string, minutes = 60) =>
    api.get<ClusterUsage>(`/api/v1/clusters/${encodeURIComponent(cluster)}/usage`, { minutes }),
};
