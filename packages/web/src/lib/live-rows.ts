import { shallowRef } from 'vue';
import type { KubeObject, WatchEvent } from '../api/kube-types';

export const objectKey = (o: KubeObject) =>
  o.metadata.uid || `${o.metadata.namespace ?? ''}/${o.metadata.name}`;

/**
 * The live contents of one resource table: a snapshot, then watch events.
 * Bursts of events are applied together once per animation frame, and
 * `version` changes once per applied batch, so a table of 10,000 rows
 * re-sorts at most once a frame however fast the cluster changes.
 */
export class LiveRows {
  readonly version = shallowRef(0);
  readonly ready = shallowRef(false);
  private readonly objects = new Map<string, KubeObject>();
  private pending: WatchEvent[] = [];
  private scheduled = false;

  constructor(
    private readonly schedule: (flush: () => void) => void = (f) => requestAnimationFrame(f),
  ) {}

  get size(): number {
    return this.objects.size;
  }

  items(): KubeObject[] {
    return [...this.objects.values()];
  }

  snapshot(items: KubeObject[]): void {
    this.pending = [];
    this.objects.clear();
    for (const item of items) this.objects.set(objectKey(item), item);
    this.ready.value = true;
    this.version.value++;
  }

  events(events: WatchEvent[]): void {
    this.pending.push(...events);
    if (this.scheduled) return;
    this.scheduled = true;
    this.schedule(() => this.flush());
  }

  flush(): void {
    this.scheduled = false;
    if (this.pending.length === 0) return;
    for (const event of this.pending) {
      const key = objectKey(event.object);
      if (event.type === 'DELETED') this.objects.delete(key);
      else this.objects.set(key, event.object);
    }
    this.pending = [];
    this.version.value++;
  }

  remove(keys: Iterable<string>): void {
    for (const key of keys) this.objects.delete(key);
    this.version.value++;
  }
}
