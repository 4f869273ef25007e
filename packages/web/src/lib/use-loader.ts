import { onMounted, ref, shallowRef } from 'vue';

/**
 * A page's data: loaded on mount, reloadable, with the error kept for the
 * page to show (a module not installed yet is a message, not a blank page).
 */
export function useLoader<T>(load: () => Promise<T>, initial: T) {
  const data = shallowRef<T>(initial);
  const loading = ref(true);
  const error = shallowRef<unknown>(null);
  async function reload(): Promise<void> {
    loading.value = true;
    try {
      data.value = await load();
      error.value = null;
    } catch (e) {
      error.value = e;
    } finally {
      loading.value = false;
    }
  }
  onMounted(reload);
  return { data, loading, error, reload };
}
