import { SnapshotIndex, type Finding, type Snapshot } from '@kubeops/inspect';

/** What one inspection covers: a cluster, or one namespace of it, or one workload there. */
export interface InspectionScope {
  namespace?: string | null | undefined;
  workload?: { kind: string; name: string } | null | undefined;
}

/** The top-level object a finding belongs to (a Pod's Deployment), for workload scopes and grouping. */
export interface FindingOwner {
  kind: string;
  name: string;
}

/**
 * Resolves findings to their owning workload. A namespace-scoped snapshot
 * still holds cluster-wide objects (nodes, cluster roles) that rules need to
 * resolve references; their findings fall outside the scope.
 */
export class ScopeFilter {
  private readonly index: SnapshotIndex;

  constructor(
    snapshot: Snapshot,
    private readonly scope: InspectionScope,
  ) {
    this.index = new SnapshotIndex(snapshot);
  }

  ownerOf(finding: Finding): FindingOwner {
    const r = finding.resource;
    const object = this.index.get(r.kind, r.namespace, r.name);
    const top = object ? this.index.topOwner(object) : undefined;
    return top
      ? { kind: top.kind, name: top.metadata.name ?? r.name }
      : { kind: r.kind, name: r.name };
  }

  includes(finding: Finding): boolean {
    const { namespace, workload } = this.scope;
    const r = finding.resource;
    if (namespace) {
      const inNamespace =
        r.namespace === namespace || (r.kind === 'Namespace' && r.name === namespace);
      if (!inNamespace) return false;
    }
    if (workload) {
      const owner = this.ownerOf(finding);
      return owner.kind === workload.kind && owner.name === workload.name;
    }
    return true;
  }
}
