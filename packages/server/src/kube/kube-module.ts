import type { ServerContext } from '../context.js';
import { ClusterRegistry } from '../clusters/cluster-registry.js';
import { subscribeClusterChanges } from '../clusters/cluster-events.js';
import { EgressGuard } from '../core/egress-guard.js';
import { LiveClusters } from './live-clusters.js';

/** The cluster registry and live clusters of one process, shared by the clusters and kube routes. */
export interface KubeModule {
  registry: ClusterRegistry;
  clusters: LiveClusters;
  close(): Promise<void>;
}

const modules = new WeakMap<ServerContext, KubeModule>();

export function kubeModuleOf(ctx: ServerContext): KubeModule {
  let module = modules.get(ctx);
  if (!module) {
    const registry = new ClusterRegistry(
      ctx.db,
      ctx.secrets,
      ctx.config.clusters.serviceAccountDir,
      new EgressGuard(ctx.config.network),
    );
    const clusters = new LiveClusters(registry, (principal, cluster) =>
      ctx.impersonation(principal, cluster),
    );
    // What another replica removed or re-keyed, this one stops serving from its caches.
    const unsubscribe = subscribeClusterChanges(ctx.bus, ctx.logger, async (change) => {
      registry.forget(change.id);
      await clusters.drop(change.name);
      ctx.logger.info({ cluster: change.name, reason: change.reason }, 'cluster changed');
    });
    let closed = false;
    const built: KubeModule = {
      registry,
      clusters,
      async close() {
        if (closed) return;
        closed = true;
        unsubscribe();
        await clusters.close();
        registry.close();
      },
    };
    module = built;
    modules.set(ctx, built);
    ctx.lifecycle.onClose('kube', () => built.close());
  }
  return module;
}
