import type { EventBus } from '../core/bus.js';
import type { Logger } from '../core/logging.js';

/**
 * Published on the event bus when a cluster is removed or reached another way
 * (re-keyed), so every replica drops the connection and live caches it holds
 * for it: the next request reads the registry again, and a removed cluster is
 * no longer served from a cache a replica filled before.
 */
export const CLUSTER_CHANGED_SUBJECT = 'clusters.changed';

export interface ClusterChange {
  id: string;
  name: string;
  reason: 'removed' | 'reconnected';
}

/** What a replica does with a cluster change: forget what it holds for that cluster. */
export type ClusterChangeHandler = (change: ClusterChange) => Promise<void>;

export function publishClusterChange(bus: EventBus, change: ClusterChange): Promise<void> {
  return bus.publish(CLUSTER_CHANGED_SUBJECT, change);
}

/** Every replica hears every change (no group); forgetting twice is harmless, so redelivery is too. */
export function subscribeClusterChanges(
  bus: EventBus,
  logger: Logger,
  handle: ClusterChangeHandler,
): () => void {
  return bus.subscribe(CLUSTER_CHANGED_SUBJECT, async (data) => {
    const change = data as Partial<ClusterChange>;
    if (typeof change.id !== 'string' || typeof change.name !== 'string') {
      logger.warn({ change }, 'ignored a malformed cluster change event');
      return;
    }
    await handle({
      id: change.id,
      name: change.name,
      reason: change.reason === 'removed' ? 'removed' : 'reconnected',
    });
  });
}
