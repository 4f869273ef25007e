import { randomBytes } from 'node:crypto';
import type { ServerContext } from '../context.js';
import { runsTarget } from '../core/config.js';
import { kubeModuleOf } from '../kube/kube-module.js';
import { subscribeClusterChanges } from '../clusters/cluster-events.js';
import type { TargetComponent } from '../targets.js';
import { ChangePublisher } from './change-publisher.js';
import { ChangeWriter } from './change-writer.js';
import { ClusterCapture } from './cluster-capture.js';
import { applyHistoryRetention } from './history-retention.js';
import { SecretHasher } from './normalise.js';

/** The key Secret values are hashed with; kept in the secret store so it survives key rotation. */
const HASH_KEY_SECRET = 'cdc/secret-hash-key';
const CLUSTER_SCAN_MS = 10_000;
const RETENTION_MS = 3_600_000;

export async function secretHasherOf(ctx: ServerContext): Promise<SecretHasher> {
  return new SecretHasher(await ctx.secrets.putIfAbsent(HASH_KEY_SECRET, randomBytes(32)));
}

/** The running capture of one process: every registered cluster, one writer, one publisher. */
export class ChangeCapture {
  readonly writer: ChangeWriter;
  readonly publisher: ChangePublisher;
  readonly clusters = new Map<string, ClusterCapture>();
  private timers: NodeJS.Timeout[] = [];
  private unsubscribe: (() => void) | undefined;
  private stopped = false;

  constructor(
    private readonly ctx: ServerContext,
    private readonly secrets: SecretHasher,
  ) {
    this.publisher = new ChangePublisher(ctx.db, ctx.bus, ctx.logger);
    this.writer = new ChangeWriter(ctx.db, ctx.logger, {
      batchSize: ctx.config.cdc.batchSize,
      flushMilliseconds: ctx.config.cdc.flushMilliseconds,
      onCommitted: () => this.publisher.kick(),
    });
  }

  async start(): Promise<void> {
    this.ctx.metrics.registerGauge(
      'kubeops_cdc_changes',
      'Changes captured by this process: stored, waiting for their batch, published on the bus',
      ['state'],
      () => [
        { labels: { state: 'stored' }, value: this.writer.written },
        { labels: { state: 'pending' }, value: this.writer.pending },
        { labels: { state: 'published' }, value: this.publisher.published },
      ],
    );
    this.ctx.metrics.registerGauge(
      'kubeops_cdc_store_lag_seconds',
      'From observing the oldest change of the last stored batch to its commit',
      [],
      () => [{ labels: {}, value: this.writer.lastLagMs / 1000 }],
    );
    await this.retention();
    this.publisher.start();
    // A removed or re-keyed cluster's connection is closed on every replica: stop its
    // capture now, and the next scan captures it again over its new connection (if any).
    this.unsubscribe = subscribeClusterChanges(this.ctx.bus, this.ctx.logger, async (change) => {
      this.clusters.get(change.name)?.stop();
      this.clusters.delete(change.name);
    });
    await this.scanClusters();
    this.timers.push(setInterval(() => void this.scanClusters(), CLUSTER_SCAN_MS));
    this.timers.push(setInterval(() => void this.retention(), RETENTION_MS));
    for (const t of this.timers) t.unref();
  }

  private async retention(): Promise<void> {
    const { retentionDays, eventRetentionDays } = this.ctx.config.cdc;
    try {
      const dropped = await applyHistoryRetention(this.ctx.db, {
        changes: retentionDays,
        events: eventRetentionDays,
      });
      if (dropped.length) this.ctx.logger.info({ dropped }, 'change history retention');
    } catch (error) {
      this.ctx.logger.error({ err: error }, 'change history retention failed');
    }
  }

  /** Starts capturing clusters registered since the last look; stops those removed. */
  private async scanClusters(): Promise<void> {
    const kube = kubeModuleOf(this.ctx);
    let names: string[];
    try {
      names = (await kube.registry.list()).map((c) => c.name);
    } catch (error) {
      this.ctx.logger.error({ err: error }, 'cdc could not list clusters');
      return;
    }
    for (const [name, capture] of this.clusters) {
      if (names.includes(name)) continue;
      capture.stop();
      this.clusters.delete(name);
    }
    for (const name of names) {
      if (this.stopped || this.clusters.has(name)) continue;
      try {
        const capture = new ClusterCapture(await kube.clusters.get(name), {
          db: this.ctx.db,
          writer: this.writer,
          logger: this.ctx.logger,
          config: this.ctx.config.cdc,
          secrets: this.secrets,
          shareCache: runsTarget(this.ctx.config, 'api'),
        });
        this.clusters.set(name, capture);
        await capture.start();
        this.ctx.logger.info(
          { cluster: name, resources: capture.resources.length },
          'capturing changes',
        );
      } catch (error) {
        this.clusters.get(name)?.stop();
        this.clusters.delete(name);
        this.ctx.logger.warn(
          { err: error, cluster: name },
          'cdc could not open the cluster; will retry',
        );
      }
    }
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.unsubscribe?.();
    for (const t of this.timers) clearInterval(t);
    for (const capture of this.clusters.values()) capture.stop();
    this.clusters.clear();
    await this.writer.close();
    this.publisher.kick();
    await this.publisher.stop();
  }
}

const captures = new WeakMap<ServerContext, ChangeCapture>();

/** The capture running in this process, if the cdc target runs here (tests and benchmarks read its figures). */
export const changeCaptureOf = (ctx: ServerContext) => captures.get(ctx);

/** The cdc target: captures every change of every registered cluster. */
export const changeCaptureComponent: TargetComponent = {
  name: 'change-capture',
  async start(ctx) {
    const capture = new ChangeCapture(ctx, await secretHasherOf(ctx));
    captures.set(ctx, capture);
    await capture.start();
    return () => capture.stop();
  },
};
