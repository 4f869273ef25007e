import type { ApiResource, RelatedObject } from '@kubeops/contracts';
import type { Principal } from '../auth/authorizer.js';
import { KubeOpsError } from '../core/errors.js';
import { objectJson } from './cache-entry.js';
import type { LiveCluster } from './live-cluster.js';
import { selectorOfObject } from './label-selector.js';
import type { ObjectChanges } from './object-changes.js';
import type { KubeObject } from './watch-loop.js';

/** Which kinds own which (the controllers' ownerReferences): a Deployment's ReplicaSets, their Pods … */
const OWNED: Record<string, Array<[group: string, version: string, resource: string]>> = {
  Deployment: [['apps', 'v1', 'replicasets']],
  ReplicaSet: [['', 'v1', 'pods']],
  StatefulSet: [['', 'v1', 'pods']],
  DaemonSet: [['', 'v1', 'pods']],
  Job: [['', 'v1', 'pods']],
  CronJob: [['batch', 'v1', 'jobs']],
};

const ref = (
  relation: string,
  r: ApiResource,
  o: { namespace?: string | null; name: string; uid?: string },
): RelatedObject => ({
  relation,
  group: r.group,
  version: r.version,
  resource: r.resource,
  kind: r.kind,
  namespace: o.namespace || null,
  name: o.name,
  uid: o.uid ?? '',
});

/**
 * The owner chain and related objects of one object, each read as the user
 * (objects they may not read are left out): owners up to the top, owned
 * objects down two levels, a Service's EndpointSlices and selected Pods, a
 * claim's volume, a Pod's claims and node.
 */
export class RelatedObjects {
  constructor(
    private readonly cluster: LiveCluster,
    private readonly principal: Principal,
    private readonly changes: ObjectChanges,
  ) {}

  async of(resource: ApiResource, object: KubeObject): Promise<RelatedObject[]> {
    const out: RelatedObject[] = [];
    await this.owners(object, out, 0);
    await this.owned(resource, object, out, 0);
    const namespace = object.metadata.namespace;
    const spec = (object.spec ?? {}) as Record<string, unknown>;
    if (resource.kind === 'Service' && namespace) {
      for (const slice of await this.entries(
        'discovery.k8s.io',
        'v1',
        'endpointslices',
        namespace,
        `kubernetes.io/service-name=${object.metadata.name}`,
      )) {
        out.push(ref('endpoints', slice.resource, slice.object.metadata));
      }
      const select = selectorOfObject(spec.selector as Record<string, string> | undefined);
      if (select && Object.keys((spec.selector as object) ?? {}).length) {
        for (const pod of await this.entries('', 'v1', 'pods', namespace))
          if (select(pod.object.metadata.labels ?? {}))
            out.push(ref('selects', pod.resource, pod.object.metadata));
      }
    }
    if (resource.kind === 'PersistentVolumeClaim' && typeof spec.volumeName === 'string') {
      await this.push(out, 'volume', '', 'v1', 'persistentvolumes', null, spec.volumeName);
    }
    if (resource.kind === 'PersistentVolume') {
      const claim = spec.claimRef as { namespace?: string; name?: string } | undefined;
      if (claim?.name)
        await this.push(
          out,
          'claim',
          '',
          'v1',
          'persistentvolumeclaims',
          claim.namespace ?? null,
          claim.name,
        );
    }
    if (resource.kind === 'Pod') {
      if (typeof spec.nodeName === 'string')
        await this.push(out, 'node', '', 'v1', 'nodes', null, spec.nodeName);
      for (const volume of (spec.volumes as
        Array<{ persistentVolumeClaim?: { claimName?: string } }> | undefined) ?? []) {
        const claim = volume.persistentVolumeClaim?.claimName;
        if (claim)
          await this.push(
            out,
            'claim',
            '',
            'v1',
            'persistentvolumeclaims',
            namespace ?? null,
            claim,
          );
      }
    }
    return out;
  }

  private async push(
    out: RelatedObject[],
    relation: string,
    group: string,
    version: string,
    resource: string,
    namespace: string | null,
    name: string,
  ): Promise<void> {
    const r = await this.cluster.discovery.resolve(group, version, resource);
    const found = await this.changes.get(r, namespace ?? undefined, name).catch(() => undefined);
    if (found) out.push(ref(relation, r, found.metadata));
  }

  private async owners(object: KubeObject, out: RelatedObject[], depth: number): Promise<void> {
    if (depth > 5) return;
    for (const owner of object.metadata.ownerReferences ?? []) {
      const r = await this.cluster.discovery.byKind(owner.apiVersion, owner.kind);
      if (!r) continue;
      const parent = await this.changes
        .get(r, object.metadata.namespace, owner.name)
        .catch(() => undefined);
      out.push(
        ref(depth === 0 ? 'owner' : 'owner-of-owner', r, {
          namespace: object.metadata.namespace ?? null,
          name: owner.name,
          uid: owner.uid,
        }),
      );
      if (parent) await this.owners(parent, out, depth + 1);
    }
  }

  private async owned(
    resource: ApiResource,
    object: KubeObject,
    out: RelatedObject[],
    depth: number,
  ): Promise<void> {
    const namespace = object.metadata.namespace;
    if (!namespace || depth > 1) return;
    for (const [group, version, plural] of OWNED[resource.kind] ?? []) {
      for (const child of await this.entries(group, version, plural, namespace)) {
        if (!child.object.metadata.ownerReferences?.some((o) => o.uid === object.metadata.uid))
          continue;
        out.push(
          ref(depth === 0 ? 'owned' : 'owned-by-owned', child.resource, child.object.metadata),
        );
        await this.owned(child.resource, child.object, out, depth + 1);
      }
    }
  }

  /** Objects of a namespace from the cache, if the user may list them there. */
  private async entries(
    group: string,
    version: string,
    plural: string,
    namespace: string,
    labelSelector?: string,
  ): Promise<Array<{ resource: ApiResource; object: KubeObject }>> {
    try {
      const resource = await this.cluster.discovery.resolve(group, version, plural);
      const { result } = await this.cluster.query(this.principal, resource, {
        namespace,
        labelSelector,
        limit: 1000,
      });
      return result.items.map((e) => ({
        resource,
        object: JSON.parse(objectJson(e)) as KubeObject,
      }));
    } catch (error) {
      if (error instanceof KubeOpsError && (error.status === 403 || error.status === 404))
        return [];
      throw error;
    }
  }
}
