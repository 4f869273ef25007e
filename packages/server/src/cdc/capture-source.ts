import type { ApiResource } from '@kubeops/contracts';
import { collectionPath } from '../kube/discovery.js';
import type { KubeClient } from '../kube/kube-client.js';
import type { LiveCluster } from '../kube/live-cluster.js';
import type { ObjectObserver } from '../kube/resource-cache.js';
import { WatchLoop } from '../kube/watch-loop.js';

/** What a source feeds: the recorder of one resource. */
export interface CaptureSink extends ObjectObserver {
  onProgress(resourceVersion: string): void;
}

/** Starts feeding a resource's objects to `sink`; the returned function stops. */
export type CaptureSource = (sink: CaptureSink) => () => void;

/**
 * A watch of its own (the cdc target alone in its process). It resumes from
 * the stored resourceVersion, so every change made while the process was
 * down is replayed by the API server one by one; only when that point is
 * too old (410 Gone) does it relist and compare.
 */
export function ownWatch(
  client: KubeClient,
  resource: ApiResource,
  resumeFrom: string | undefined,
): CaptureSource {
  return (sink) => {
    const loop = new WatchLoop(
      client,
      collectionPath(resource),
      {
        onListStart: () => sink.onListStart?.(),
        onListPage: (items, rv) =>
          sink.onListPage(
            items.map((i) => i.object),
            rv,
          ),
        onListEnd: (rv) => sink.onListEnd(rv),
        onEvent: (type, item, rv) => sink.onEvent(type, item.object, rv),
        onBookmark: (rv) => sink.onProgress(rv),
      },
      { listChunk: 500 },
    );
    if (resumeFrom) loop.resourceVersion = resumeFrom;
    loop.start();
    return () => loop.stop();
  };
}

/**
 * The resource cache's watch (api and cdc in one process): one watch per
 * resource serves both. The cache lists when it starts, so after a restart
 * the history is brought up to date by comparing that list with what is
 * stored.
 */
export function sharedCache(cluster: LiveCluster, resource: ApiResource): CaptureSource {
  return (sink) => cluster.cache(resource).observeObjects(sink);
}
