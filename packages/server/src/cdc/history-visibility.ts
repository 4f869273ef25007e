import type { ServerContext } from '../context.js';
import type { Principal } from '../auth/authorizer.js';
import { KubeOpsError } from '../core/errors.js';
import type { LiveClusters } from '../kube/live-clusters.js';
import type { ObjectRef, VisibleResource } from './history-queries.js';

export interface ScopeRequest {
  clusters?: string[] | undefined;
  namespaces?: string[] | undefined;
  kinds?: string[] | undefined;
}

/**
 * Which history a user may read: that of what they may `get` in the cluster
 * now, asked of the cluster as the user (SelfSubjectAccessReview, remembered
 * briefly per user). History outlives RBAC changes, so it is checked on
 * every read, never when the change was recorded.
 */
export class HistoryVisibility {
  constructor(
    private readonly ctx: ServerContext,
    private readonly clusters: LiveClusters,
  ) {}

  async requireGet(principal: Principal, ref: ObjectRef): Promise<void> {
    const live = await this.clusters.get(ref.cluster);
    const client = await live.userClient(principal);
    const allowed = await live.reviews.can(client, {
      verb: 'get',
      group: ref.group,
      resource: ref.resource,
      namespace: ref.namespace || undefined,
      name: ref.name,
    });
    if (!allowed)
      throw new KubeOpsError(
        'history_forbidden',
        403,
        `The history of ${ref.resource} ${ref.name} is shown to those who may get it: User "${client.impersonation.user}" cannot get resource "${ref.resource}" in API group "${ref.group}"${ref.namespace ? ` in the namespace "${ref.namespace}"` : ''}`,
        { details: { resource: ref.resource, group: ref.group, namespace: ref.namespace || null } },
      );
  }

  /** The captured resources (per cluster, per namespace) of the scope that the user may get. */
  async scope(
    principal: Principal,
    request: ScopeRequest,
  ): Promise<{ visible: VisibleResource[]; namespaces?: string[]; kinds?: string[] }> {
    const params: unknown[] = [];
    const where: string[] = [];
    if (request.clusters?.length) {
      params.push(request.clusters);
      where.push(`cluster = ANY($${params.length}::text[])`);
    }
    if (request.kinds?.length) {
      params.push(request.kinds);
      where.push(`kind = ANY($${params.length}::text[])`);
    }
    const { rows } = await this.ctx.db.query<{
      cluster: string;
      api_group: string;
      resource: string;
      namespaced: boolean;
    }>(
      `SELECT cluster, api_group, resource, namespaced FROM cdc_resume
       ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY cluster, api_group, resource`,
      params,
    );
    const visible: VisibleResource[] = [];
    const byCluster = new Map<string, typeof rows>();
    for (const r of rows) byCluster.set(r.cluster, [...(byCluster.get(r.cluster) ?? []), r]);
    for (const [cluster, resources] of byCluster) {
      if (
        !(await this.ctx.authorizer.can(principal, 'clusters:read', {
          cluster,
          anyNamespace: true,
        }))
      )
        continue;
      const live = await this.clusters.get(cluster);
      const client = await live.userClient(principal);
      let namespaces: string[] | undefined = request.namespaces;
      for (const r of resources) {
        const attributes = { verb: 'get', group: r.api_group, resource: r.resource };
        if (await live.reviews.can(client, attributes)) {
          visible.push({ cluster, group: r.api_group, resource: r.resource, namespaces: null });
          continue;
        }
        if (!r.namespaced) continue;
        namespaces ??= await live.namespaceNames();
        const allowed = await live.reviews.namespacesAllowing(client, attributes, namespaces);
        if (allowed.size)
          visible.push({
            cluster,
            group: r.api_group,
            resource: r.resource,
            namespaces: [...allowed],
          });
      }
    }
    return {
      visible,
      ...(request.namespaces ? { namespaces: request.namespaces } : {}),
      ...(request.kinds ? { kinds: request.kinds } : {}),
    };
  }
}
