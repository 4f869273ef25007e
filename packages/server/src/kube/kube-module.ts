import type { ServerContext } from '../context.js';
import { ClusterRegistry } from '../clusters/cluster-registry.js';
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
    let closed = false;
    const built: KubeModule = {
      registry,
      clusters,
      async close() {
        if (closed) return;
        closed = true;
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
