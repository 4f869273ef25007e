import { defineStore } from 'pinia';
import { ref } from 'vue';
import { clustersApi, type Cluster } from '../api/clusters';

/** The clusters this person can see, refreshed when the list page or the switcher asks. */
export const useClusters = defineStore('clusters', () => {
  const items = ref<Cluster[]>([]);
  const loaded = ref(false);

  async function load(): Promise<Cluster[]> {
    items.value = (await clustersApi.list()).items;
    loaded.value = true;
    return items.value;
  }

  async function ensure(): Promise<void> {
    if (!loaded.value) await load().catch(() => undefined);
  }

  return { items, loaded, load, ensure };
});
