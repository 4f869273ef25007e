import type { Principal } from '../auth/authorizer.js';
import type { ServerContext } from '../context.js';
import { kubeModuleOf } from '../kube/kube-module.js';
import { collectedKind } from './collect/kinds.js';
import type { Visibility } from './store/finding-queries.js';

/**
 * Which stored findings a user may see, decided by the cluster as the user
 * (impersonation): a namespace's findings when the user may read anything
 * there, a cluster-scoped object's findings when the user may list its kind.
 */
export async function visibilityFor(
  ctx: ServerContext,
  principal: Principal,
  cluster: string,
  candidates: Visibility,
): Promise<Visibility> {
  const live = await kubeModuleOf(ctx).clusters.get(cluster);
  const client = await live.userClient(principal);
  const namespaces = await live.reviews.usableNamespaces(client, candidates.namespaces);
  const clusterKinds: string[] = [];
  for (const kind of candidates.clusterKinds) {
    const known = collectedKind(kind);
    if (!known) continue;
    const allowed = await live.reviews.can(client, {
      verb: 'list',
      group: known.group,
      resource: known.resource,
    });
    if (allowed) clusterKinds.push(kind);
  }
  return { namespaces: [...namespaces].sort(), clusterKinds };
}
