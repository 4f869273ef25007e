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

/** Rows per live snapshot (the server's maximum); the rest come over REST by cursor. */
const SNAPSHOT_LIMIT = 5000;

/**
 * The live rows of one resource: subscribes over the shared WebSocket and
 * re-subscribes whenever the cluster, resource, namespaces or selector change.
 * Deltas cover every matching object, so rows past the snapshot page are
 * fetched once by cursor and then kept current by the same deltas.
 */
export function useLiveList(params: () => LiveListParams | null) {
  const rows = new LiveRows();
  const error = shallowRef<unknown>(null);
  let stop: (() => void) | undefined;
  let generation = 0;

  const start = (p: LiveListParams | null) => {
    stop?.();
    stop = undefined;
    rows.reset();
    error.value = null;
    if (!p) return;
    const mine = ++generation;
    const namespace = p.namespaces.length ? p.namespaces.join(',') : undefined;
    const labelSelector = p.labelSelector || undefined;
    stop = live.subscribe(
      { cluster: p.cluster, ...p.ref, namespace, labelSelector, limit: SNAPSHOT_LIMIT },
      {
        snapshot: async (snapshot) => {
          error.value = null;
          rows.snapshot(snapshot.items, snapshot.columns);
          let cursor = snapshot.nextCursor;
          while (cursor && mine === generation) {
            const page = await kubeApi.list(p.cluster, p.ref, {
              namespace,
              labelSelector,
              limit: 1000,
              cursor,
            });
            if (mine !== generation) return;
            rows.append(page.items);
            cursor = page.nextCursor;
          }
        },
        changes: (changes) => rows.changes(changes),
        error: (e) => (error.value = new ApiError(e.status ?? 500, e.code, e.message)),
      },
    );
  };

  watch(params, start, { immediate: true, deep: true });
  onBeforeUnmount(() => {
    generation++;
    stop?.();
  });
  return { rows, error };
}
