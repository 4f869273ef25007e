import type { ClusterHealth } from '@kubeops/contracts';
import { KubeOpsError } from '../core/errors.js';
import type { KubeClient } from '../kube/kube-client.js';
import { fetchVersion, type VersionAnswer } from './connection-check.js';

const MIN_BACKOFF_MS = 1_000;
const MAX_BACKOFF_MS = 60_000;

/**
 * What KubeOps knows about reaching one cluster. After a failure it waits
 * (1 s, 2 s, 4 s … 60 s) before trying again, and until then callers fail
 * fast instead of each waiting on a dead server, so one dead cluster never
 * slows down the rest.
 */
export class ClusterHealthTracker {
  private state: ClusterHealth['state'] = 'unknown';
  private version: string | null = null;
  private latencyMs: number | null = null;
  private lastError: string | null = null;
  private lastContactAt: Date | null = null;
  private failures = 0;
  private nextRetryAt: Date | null = null;
  private probing: Promise<void> | undefined;

  constructor(
    private readonly cluster: string,
    private readonly client: () => Promise<KubeClient>,
  ) {}

  snapshot(): ClusterHealth {
    return {
      state: this.state,
      reachable: this.state === 'connected',
      version: this.version,
      latencyMs: this.latencyMs,
      lastError: this.lastError,
      lastContactAt: this.lastContactAt?.toISOString() ?? null,
      nextRetryAt: this.nextRetryAt?.toISOString() ?? null,
    };
  }

  /** Probes /version now (one probe at a time). */
  probe(): Promise<void> {
    this.probing ??= this.runProbe().finally(() => (this.probing = undefined));
    return this.probing;
  }

  private async runProbe(): Promise<void> {
    try {
      this.recordVersion(await fetchVersion(await this.client()));
    } catch (error) {
      this.recordFailure(error);
    }
  }

  /** A /version answer, from a probe or from the check made when the cluster was registered. */
  recordVersion(answer: VersionAnswer): void {
    this.recordSuccess(answer.latencyMs);
    this.version = answer.version;
  }

  recordSuccess(latencyMs?: number): void {
    this.state = 'connected';
    if (latencyMs !== undefined) this.latencyMs = Math.round(latencyMs * 10) / 10;
    this.lastContactAt = new Date();
    this.failures = 0;
    this.nextRetryAt = null;
  }

  recordFailure(error: unknown): void {
    this.state = 'unreachable';
    this.lastError = error instanceof Error ? error.message : String(error);
    const backoff = Math.min(MAX_BACKOFF_MS, MIN_BACKOFF_MS * 2 ** this.failures);
    this.failures += 1;
    this.nextRetryAt = new Date(Date.now() + backoff);
  }

  /**
   * Resolves when the cluster may be called: connects lazily on first use;
   * while backing off after a failure, throws at once.
   */
  async ready(): Promise<void> {
    if (this.state === 'unknown') await this.probe();
    else if (
      this.state === 'unreachable' &&
      this.nextRetryAt &&
      Date.now() >= this.nextRetryAt.getTime()
    )
      await this.probe();
    if (this.state === 'unreachable') {
      throw new KubeOpsError(
        'cluster_unreachable',
        503,
        `Cluster ${this.cluster} is unreachable: ${this.lastError ?? 'unknown error'}`,
        {
          details: { cluster: this.cluster, nextRetryAt: this.nextRetryAt?.toISOString() ?? null },
          headers: this.nextRetryAt
            ? {
                'retry-after': String(
                  Math.max(1, Math.ceil((this.nextRetryAt.getTime() - Date.now()) / 1000)),
                ),
              }
            : {},
        },
      );
    }
  }
}
