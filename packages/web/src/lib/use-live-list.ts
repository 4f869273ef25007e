import { onBeforeUnmount, shallowRef, watch } from 'vue';
import { ApiError } from '../api/http';
import { kubeApi } from '../api/kube';
import type { ResourceRef } from '../api/kube-types';
import { live } from '../api/live';
import { LiveRows } from './live-rows';

export interface LiveListParams {
  cluster: string;
  ref: ResourceRef;
  namespaces: string[];
  labelSelector: string;
}

const FALLBACK_AFTER_MS = 4000;

/**
 * The live rows of one resource: subscribes over the shared WebSocket and
 * re-subscribes whenever the cluster, resource, namespaces or selector change.
 * If no snapshot has arrived after a few seconds (socket still connecting),
 * one REST page fills the table meanwhile; the live snapshot replaces it.
 */
export function useLiveList(params: () => LiveListParams | null) {
  const rows = new LiveRows();
  const error = shallowRef<unknown>(null);
  let stop: (() => void) | undefined;
  let fallback: ReturnType<typeof setTimeout> | undefined;

  const start = (p: LiveListParams | null) => {
    stop?.();
    clearTimeout(fallback);
    rows.snapshot([]);
    rows.ready.value = false;
    error.value = null;
    if (!p) return;
    let gotSnapshot = false;
    stop = live.subscribe(
      {
        cluster: p.cluster,
        ...p.ref,
        namespace: p.namespaces.length ? p.namespaces : undefined,
        labelSelector: p.labelSelector || undefined,
      },
      {
        snapshot: (items) => {
          gotSnapshot = true;
          error.value = null;
          rows.snapshot(items);
        },
        events: (events) => rows.events(events),
        error: (e) => (error.value = new ApiError(e.status ?? 500, e.code, e.message)),
      },
    );
    fallback = setTimeout(async () => {
      if (gotSnapshot) return;
      try {
        const page = await kubeApi.list(p.cluster, p.ref, {
          namespace: p.namespaces.length ? p.namespaces : undefined,
          labelSelector: p.labelSelector || undefined,
          limit: 5000,
        });
        if (!gotSnapshot) rows.snapshot(page.items);
      } catch (e) {
        if (!gotSnapshot) error.value = e;
      }
    }, FALLBACK_AFTER_MS);
  };

  watch(params, start, { immediate: true, deep: true });
  onBeforeUnmount(() => {
    stop?.();
    clearTimeout(fallback);
  });
  return { rows, error };
}
