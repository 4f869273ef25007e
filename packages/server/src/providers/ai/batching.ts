import type { Finding, KubeObject, ResourceRef, Snapshot } from '@kubeops/inspect';

/** The parts of a snapshot that give findings context; a whole `Snapshot` will do. */
export type SnapshotContext = Partial<Pick<Snapshot, 'objects' | 'events' | 'logs' | 'changes'>>;

export const refKey = (ref: { kind?: string; namespace?: string; name?: string }) =>
  `${ref.kind ?? ''}/${ref.namespace ?? ''}/${ref.name ?? ''}`;

/** Follows controller owner references through the context's objects: a Pod's owner is its Deployment. */
export class OwnerIndex {
  readonly #byUid = new Map<string, KubeObject>();
  readonly #byKey = new Map<string, KubeObject>();

  constructor(objects: KubeObject[] = []) {
    for (const object of objects) {
      if (object.metadata.uid) this.#byUid.set(object.metadata.uid, object);
      this.#byKey.set(
        refKey({
          kind: object.kind,
          namespace: object.metadata.namespace,
          name: object.metadata.name,
        }),
        object,
      );
    }
  }

  object(ref: ResourceRef): KubeObject | undefined {
    return (ref.uid && this.#byUid.get(ref.uid)) || this.#byKey.get(refKey(ref));
  }

  /** The resource and each owner above it, nearest first. */
  chain(ref: ResourceRef): ResourceRef[] {
    const chain: ResourceRef[] = [ref];
    let current = this.object(ref);
    for (let hops = 0; current && hops < 5; hops++) {
      const owners = current.metadata.ownerReferences ?? [];
      const owner = owners.find((o) => o.controller) ?? owners[0];
      if (!owner) break;
      const next: ResourceRef = {
        apiVersion: owner.apiVersion,
        kind: owner.kind,
        name: owner.name,
        uid: owner.uid,
        ...(current.metadata.namespace ? { namespace: current.metadata.namespace } : {}),
      };
      chain.push(next);
      current = this.object(next);
    }
    return chain;
  }

  /** The topmost owner known (or named by the finding's patch target), which groups related findings. */
  ownerOf(finding: Finding): ResourceRef {
    const chain = this.chain(finding.resource);
    if (chain.length > 1) return chain[chain.length - 1]!;
    return finding.remediation.patch?.target ?? finding.resource;
  }
}

/**
 * Groups findings that one explanation can serve: those on the same
 * resource or owner (a Deployment and its crash-looping Pods) and those of
 * the same rule (the same misconfiguration on many workloads). Groups are cut
 * to `maxPerBatch`, keeping findings of one owner together.
 */
export function batchFindings(
  findings: Finding[],
  owners: OwnerIndex,
  maxPerBatch: number,
): Finding[][] {
  const parent = findings.map((_, i) => i);
  const find = (i: number): number => (parent[i] === i ? i : (parent[i] = find(parent[i]!)));
  const union = (a: number, b: number) => {
    parent[find(a)] = find(b);
  };
  const firstByKey = new Map<string, number>();
  const ownerKeys = findings.map((f) => refKey(owners.ownerOf(f)));
  findings.forEach((finding, i) => {
    for (const key of [`owner:${ownerKeys[i]}`, `rule:${finding.ruleId}`]) {
      const first = firstByKey.get(key);
      if (first === undefined) firstByKey.set(key, i);
      else union(i, first);
    }
  });

  const groups = new Map<number, number[]>();
  findings.forEach((_, i) => {
    const root = find(i);
    groups.set(root, [...(groups.get(root) ?? []), i]);
  });
  const batches: Finding[][] = [];
  for (const members of groups.values()) {
    // Stable sort by owner so a cut never splits one owner's findings needlessly.
    const ordered = [...members].sort(
      (a, b) => ownerKeys[a]!.localeCompare(ownerKeys[b]!) || a - b,
    );
    for (let i = 0; i < ordered.length; i += maxPerBatch)
      batches.push(ordered.slice(i, i + maxPerBatch).map((index) => findings[index]!));
  }
  return batches;
}
