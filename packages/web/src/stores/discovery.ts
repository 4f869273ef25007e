import { defineStore } from 'pinia';
import { ref } from 'vue';
import { kubeApi } from '../api/kube';
import type { ApiResource, ResourceRef } from '../api/kube-types';

export { POD_REF } from '../api/kube';

/** Built-in groups are `` or end in `k8s.io`; anything else with a dot comes from a CRD or an aggregated API. */
export const isExtension = (group: string) =>
  group.includes('.') && !group.endsWith('.k8s.io') && group !== 'k8s.io';

/** `core` in URLs stands for the core ("") API group. */
export const groupFromParam = (param: string | undefined) =>
  param === 'core' || !param ? '' : param;
export const groupToParam = (group: string) => (group === '' ? 'core' : group);

/** What each cluster serves, fetched once per cluster per page load and on demand. */
export const useDiscovery = defineStore('discovery', () => {
  const byCluster = ref<Record<string, ApiResource[]>>({});

  async function load(cluster: string, force = false): Promise<ApiResource[]> {
    if (!force && byCluster.value[cluster]) return byCluster.value[cluster]!;
    const items = (await kubeApi.discovery(cluster)).resources.filter(
      (r) => !r.resource.includes('/'),
    );
    byCluster.value = { ...byCluster.value, [cluster]: items };
    return items;
  }

  function find(cluster: string, ref: ResourceRef): ApiResource | undefined {
    return byCluster.value[cluster]?.find(
      (r) => r.group === ref.group && r.version === ref.version && r.resource === ref.resource,
    );
  }

  /** The served version of a kind, for following owner references and related objects. */
  function byKind(cluster: string, apiVersion: string, kind: string): ApiResource | undefined {
    const [group, version] = apiVersion.includes('/') ? apiVersion.split('/') : ['', apiVersion];
    return byCluster.value[cluster]?.find(
      (r) => r.group === group && r.version === version && r.kind === kind,
    );
  }

  return { byCluster, load, find, byKind };
});
