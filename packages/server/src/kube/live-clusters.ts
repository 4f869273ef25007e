import type { Impersonation } from '@kubeops/contracts';
import type { Principal } from '../auth/authorizer.js';
import type { ClusterRegistry } from '../clusters/cluster-registry.js';
import { LiveCluster } from './live-cluster.js';

/** The LiveCluster of each registered cluster, opened on first use. */
export class LiveClusters {
  private readonly live = new Map<string, Promise<LiveCluster>>();

  constructor(
    readonly registry: ClusterRegistry,
    private readonly impersonation: (
      principal: Principal,
      cluster: string,
    ) => Promise<Impersonation>,
    private readonly idleMs = 10 * 60_000,
  ) {}

  async get(name: string): Promise<LiveCluster> {
    let live = this.live.get(name);
    if (!live) {
      live = this.registry
        .connect(name)
        .then(
          (handle) =>
            new LiveCluster(handle, { idleMs: this.idleMs, impersonation: this.impersonation }),
        );
      this.live.set(name, live);
      live.catch(() => this.live.delete(name));
    }
    return live;
  }

  /** Forgets a cluster (after it was removed from the registry). */
  async drop(name: string): Promise<void> {
    const live = this.live.get(name);
    this.live.delete(name);
    (await live?.catch(() => undefined))?.close();
  }

  async close(): Promise<void> {
    const all = [...this.live.values()];
    this.live.clear();
    for (const live of all) (await live.catch(() => undefined))?.close();
  }
}
