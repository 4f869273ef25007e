import { annotationsOf, groupOf, labelsOf, nameOf, str } from './kube/fields.js';
import { LabelIndex, type LabelSelector } from './kube/selector.js';
import { podTemplateOf } from './kube/workloads.js';
import type { KubeObject, MetricName, MetricSeries, Snapshot } from './snapshot.js';

function key(kind: string, namespace: string | undefined, name: string): string {
  return `${kind}\u0000${namespace ?? ''}\u0000${name}`;
}

/**
 * Lookups every rule needs, built once per inspection so that each rule is a
 * single pass over the objects it cares about.
 */
export class SnapshotIndex {
  readonly now: number;
  readonly source: 'cluster' | 'manifests';
  private readonly byKind = new Map<string, KubeObject[]>();
  private readonly byKey = new Map<string, KubeObject>();
  private readonly byUid = new Map<string, KubeObject>();
  private readonly childrenByUid = new Map<string, KubeObject[]>();
  private readonly podIndex = new Map<string, LabelIndex<KubeObject>>();
  private readonly templateIndex = new Map<string, LabelIndex<KubeObject>>();
  private readonly eventsByObject = new Map<string, KubeObject[]>();
  private readonly seriesByObject = new Map<string, MetricSeries[]>();
  private readonly namespaceNames = new Set<string>();
  private readonly memos = new Map<string, unknown>();
  private readonly topOwners = new Map<KubeObject, KubeObject>();
  private readonly controllers = new Map<KubeObject, KubeObject | null>();
  private readonly completeKinds: Set<string> | undefined;

  constructor(readonly snapshot: Snapshot) {
    this.now = Date.parse(snapshot.now);
    if (!Number.isFinite(this.now))
      throw new TypeError(`snapshot.now is not a time: ${snapshot.now}`);
    this.source = snapshot.source ?? 'cluster';
    this.completeKinds = snapshot.completeKinds ? new Set(snapshot.completeKinds) : undefined;

    for (const object of snapshot.objects) {
      const bucket = this.byKind.get(object.kind);
      if (bucket) bucket.push(object);
      else this.byKind.set(object.kind, [object]);
      this.byKey.set(key(object.kind, object.metadata.namespace, nameOf(object)), object);
      if (object.metadata.uid) this.byUid.set(object.metadata.uid, object);
      if (object.metadata.namespace) this.namespaceNames.add(object.metadata.namespace);
      if (object.kind === 'Namespace') this.namespaceNames.add(nameOf(object));
    }
    for (const object of snapshot.objects) {
      const owner = this.controllerOf(object);
      if (owner?.metadata.uid) {
        const children = this.childrenByUid.get(owner.metadata.uid);
        if (children) children.push(object);
        else this.childrenByUid.set(owner.metadata.uid, [object]);
      }
      const namespace = object.metadata.namespace ?? '';
      if (object.kind === 'Pod') {
        this.indexFor(this.podIndex, namespace).add(object, labelsOf(object));
      } else {
        const template = podTemplateOf(object);
        if (template && this.isTopLevel(object)) {
          this.indexFor(this.templateIndex, namespace).add(object, template.labels);
        }
      }
    }
    for (const event of snapshot.events ?? []) {
      const involved = event.involvedObject ?? event.regarding;
      const uid = str(involved, 'uid');
      const name = str(involved, 'name');
      const kind = str(involved, 'kind');
      const ids = [uid, kind && name ? key(kind, str(involved, 'namespace'), name) : undefined];
      // Events can be indexed under both ids; lookups use one id only.
      for (const id of ids) {
        if (!id) continue;
        const bucket = this.eventsByObject.get(id);
        if (bucket) bucket.push(event);
        else this.eventsByObject.set(id, [event]);
      }
    }
    for (const series of snapshot.metrics ?? []) {
      const id = `${series.metric}\u0000${key(series.kind, series.namespace, series.name)}`;
      const bucket = this.seriesByObject.get(id);
      if (bucket) bucket.push(series);
      else this.seriesByObject.set(id, [series]);
    }
  }

  private indexFor(map: Map<string, LabelIndex<KubeObject>>, namespace: string) {
    let index = map.get(namespace);
    if (!index) {
      index = new LabelIndex<KubeObject>();
      map.set(namespace, index);
    }
    return index;
  }

  ofKind(...kinds: string[]): KubeObject[] {
    if (kinds.length === 1) return this.byKind.get(kinds[0]!) ?? [];
    return kinds.flatMap((kind) => this.byKind.get(kind) ?? []);
  }

  /** Whether the input contains any object of this kind (in manifest mode, absence proves nothing). */
  has(kind: string): boolean {
    return this.byKind.has(kind);
  }

  /**
   * Whether a missing object of `kind` is a real gap: always on a live
   * cluster, and in manifest mode only when the manifests declare that kind.
   */
  canTellMissing(kind: string): boolean {
    if (this.source === 'manifests') return this.has(kind);
    return this.completeKinds === undefined || this.completeKinds.has(kind);
  }

  get(kind: string, namespace: string | undefined, name: string): KubeObject | undefined {
    return this.byKey.get(key(kind, namespace, name));
  }

  byUidOf(uid: string): KubeObject | undefined {
    return this.byUid.get(uid);
  }

  namespaces(): string[] {
    return [...this.namespaceNames].sort();
  }

  /** The controlling owner present in the snapshot, if any. */
  controllerOf(object: KubeObject): KubeObject | undefined {
    if (object.metadata.ownerReferences === undefined) return undefined;
    let owner = this.controllers.get(object);
    if (owner === undefined) {
      owner = this.findController(object) ?? null;
      this.controllers.set(object, owner);
    }
    return owner ?? undefined;
  }

  private findController(object: KubeObject): KubeObject | undefined {
    for (const ref of object.metadata.ownerReferences ?? []) {
      if (ref.controller === false) continue;
      const owner =
        (ref.uid ? this.byUid.get(ref.uid) : undefined) ??
        this.get(ref.kind, object.metadata.namespace, ref.name);
      if (owner && groupOf(owner.apiVersion) === groupOf(ref.apiVersion)) return owner;
    }
    return undefined;
  }

  /** Follows controllers up to the object nobody in the snapshot controls (Pod → ReplicaSet → Deployment). */
  topOwner(object: KubeObject): KubeObject {
    // Asked once per pod by grouping, exemptions and change evidence alike.
    let top = this.topOwners.get(object);
    if (!top) {
      top = this.followControllers(object);
      this.topOwners.set(object, top);
    }
    return top;
  }

  private followControllers(object: KubeObject): KubeObject {
    let current = object;
    for (let depth = 0; depth < 8; depth++) {
      const owner = this.controllerOf(current);
      if (!owner) break;
      current = owner;
    }
    return current;
  }

  isTopLevel(object: KubeObject): boolean {
    return this.controllerOf(object) === undefined;
  }

  childrenOf(object: KubeObject): KubeObject[] {
    return object.metadata.uid ? (this.childrenByUid.get(object.metadata.uid) ?? []) : [];
  }

  /**
   * Computes a derived view once per inspection and shares it between rules
   * (many rules walk the same live pods or workload templates).
   */
  memo<T>(key: string, compute: () => T): T {
    if (this.memos.has(key)) return this.memos.get(key) as T;
    const value = compute();
    this.memos.set(key, value);
    return value;
  }

  /** Workloads whose pod template the configuration and security rules judge. */
  templateWorkloads(): KubeObject[] {
    return this.memo('templateWorkloads', () => {
      const out: KubeObject[] = [];
      for (const index of this.templateIndex.values()) out.push(...index.all());
      for (const pod of this.ofKind('Pod')) if (this.isTopLevel(pod)) out.push(pod);
      return out;
    });
  }

  podsMatching(namespace: string | undefined, selector: LabelSelector): KubeObject[] {
    return this.podIndex.get(namespace ?? '')?.select(selector) ?? [];
  }

  /** Top-level workloads in the namespace whose pod template labels match. */
  templatesMatching(namespace: string | undefined, selector: LabelSelector): KubeObject[] {
    return this.templateIndex.get(namespace ?? '')?.select(selector) ?? [];
  }

  eventsFor(object: KubeObject): KubeObject[] {
    const byUid = object.metadata.uid ? this.eventsByObject.get(object.metadata.uid) : undefined;
    if (byUid) return byUid;
    return (
      this.eventsByObject.get(key(object.kind, object.metadata.namespace, nameOf(object))) ?? []
    );
  }

  series(metric: MetricName, kind: string, namespace: string, name: string): MetricSeries[] {
    return this.seriesByObject.get(`${metric}\u0000${key(kind, namespace, name)}`) ?? [];
  }

  annotation(object: KubeObject, name: string): string | undefined {
    return annotationsOf(object)[name];
  }
}
