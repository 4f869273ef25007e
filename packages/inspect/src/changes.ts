import type { Category, Evidence } from './finding.js';
import { describe, nameOf, timeOf } from './kube/fields.js';
import { formatDuration } from './kube/format.js';
import type { SnapshotIndex } from './snapshot-index.js';
import type { KubeObject, RecentChange } from './snapshot.js';

/** Categories where "what changed just before" is the first question a person asks. */
const CORRELATED: ReadonlySet<Category> = new Set(['reliability', 'anomaly', 'logs']);
const LOOKBACK_MS = 24 * 3_600_000;
const MAX_CHANGES = 3;

/** Recent changes indexed by object, newest first. */
export class ChangeLog {
  private readonly byObject = new Map<string, RecentChange[]>();

  constructor(
    changes: RecentChange[],
    private readonly index: SnapshotIndex,
  ) {
    const sorted = changes
      .filter((c) => {
        const at = timeOf(c.at);
        return at !== undefined && at <= index.now && index.now - at <= LOOKBACK_MS;
      })
      .sort((a, b) => (timeOf(b.at) ?? 0) - (timeOf(a.at) ?? 0));
    for (const change of sorted) {
      const id = `${change.kind}/${change.namespace ?? ''}/${change.name}`;
      this.byObject.set(id, [...(this.byObject.get(id) ?? []), change]);
    }
  }

  /** Evidence of changes to the object or the workload that owns it. */
  evidenceFor(category: Category, object: KubeObject | undefined): Evidence[] {
    if (!object || this.byObject.size === 0 || !CORRELATED.has(category)) return [];
    const owner = this.index.topOwner(object);
    const targets = owner === object ? [object] : [object, owner];
    return targets
      .flatMap(
        (t) => this.byObject.get(`${t.kind}/${t.metadata.namespace ?? ''}/${nameOf(t)}`) ?? [],
      )
      .slice(0, MAX_CHANGES)
      .map((change) => ({
        type: 'object' as const,
        text:
          `${describe(change)} was ${change.action} ${formatDuration(this.index.now - (timeOf(change.at) ?? 0))} before this inspection` +
          `${change.actor ? ` by ${change.actor}` : ''}${change.summary ? `: ${change.summary}` : ''}`,
        value: change,
      }));
  }
}
