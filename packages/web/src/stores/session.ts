import type { Me } from '@kubeops/contracts';
import { defineStore } from 'pinia';
import { computed, ref } from 'vue';
import { authApi } from '../api/auth';
import { session as tokens } from '../api/http';

/** Who is signed in, and what the platform lets them do. */
export const useSession = defineStore('session', () => {
  const me = ref<Me | null>(null);
  const restored = ref(false);

  const can = (permission: string) => {
    const granted = me.value?.permissions ?? [];
    return granted.includes('*') || granted.includes(permission);
  };
  const signedIn = computed(() => me.value !== null);

  async function load(): Promise<Me> {
    me.value = await authApi.me();
    return me.value;
  }

  /** On page load: a refresh cookie from an earlier visit signs the person back in. */
  async function restore(): Promise<void> {
    if (restored.value) return;
    restored.value = true;
    if (tokens.accessToken || (tokens.mayResume && (await tokens.refresh()))) {
      await load().catch(() => (me.value = null));
    }
  }

  async function signOut(): Promise<void> {
    await authApi.logout();
    me.value = null;
  }

  tokens.onChange((token) => {
    if (token === null) me.value = null;
  });

  return { me, signedIn, can, load, restore, signOut };
});
