import type { ApiResource } from '@kubeops/contracts';
import type { Config } from '../core/config.js';
import type { Logger } from '../core/logging.js';
import type { LiveCluster } from '../kube/live-cluster.js';
import type { Database } from '../store/database.js';
import type { ResourceKey } from './change-record.js';
import { ChangeRecorder } from './change-recorder.js';
import type { ChangeWriter } from './change-writer.js';
import { loadCapture } from './capture-state.js';
import { ownWatch, sharedCache, type CaptureSource } from './capture-source.js';
import { holdsSecrets, type SecretHasher } from './normalise.js';
import { resourceName, selectResources, type CaptureTable } from './resource-selection.js';

/** How often the served resources are compared with what is watched (discovery refreshes itself on CRD changes). */
const RESCAN_MS = 2_000;

export interface ClusterCaptureOptions {
  db: Database;
  writer: ChangeWriter;
  logger: Logger;
  config: Config['cdc'];
  secrets: SecretHasher;
  /** Share the resource cache's watches (api in the same process) instead of watching on our own. */
  shareCache: boolean;
}

interface Running {
  version: string;
  recorder: ChangeRecorder | undefined;
  stop: () => void;
}

/**
 * Captures every selected resource of one cluster, starting a capture for a
 * resource (a CRD) as soon as discovery serves it and stopping it when it
 * goes away.
 */
export class ClusterCapture {
  private readonly running = new Map<string, Running>();
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;
  private scanning: Promise<void> | undefined;

  constructor(
    private readonly cluster: LiveCluster,
    private readonly options: ClusterCaptureOptions,
  ) {}

  get name(): string {
    return this.cluster.name;
  }

  /** `<resource>.<group>` of every resource being captured. */
  get resources(): string[] {
    return [...this.running.keys()];
  }

  async start(): Promise<void> {
    await this.scan();
    this.timer = setInterval(() => void this.scan(), RESCAN_MS);
    this.timer.unref();
  }

  private scan(): Promise<void> {
    this.scanning ??= this.rescan()
      .catch((error: unknown) =>
        this.options.logger.warn({ err: error, cluster: this.name }, 'cdc discovery failed'),
      )
      .finally(() => (this.scanning = undefined));
    return this.scanning;
  }

  private async rescan(): Promise<void> {
    const { resources } = await this.cluster.discovery.all();
    const wanted = new Map(
      selectResources(this.options.config, this.name, resources).map((s) => [
        resourceName(s.resource),
        s,
      ]),
    );
    for (const [name, running] of this.running) {
      const want = wanted.get(name);
      if (!want || want.resource.version !== running.version) {
        running.stop();
        this.running.delete(name);
      }
    }
    for (const [name, { resource, table }] of wanted) {
      if (this.stopped) return;
      if (this.running.has(name)) continue;
      await this.startResource(name, resource, table);
    }
  }

  private async startResource(name: string, resource: ApiResource, table: CaptureTable) {
    const key: ResourceKey = {
      cluster: this.name,
      group: resource.group,
      version: resource.version,
      resource: resource.resource,
      kind: resource.kind,
      namespaced: resource.namespaced,
    };
    const stored = await loadCapture(this.options.db, key);
    const recorder = new ChangeRecorder(key, stored.states, this.options.writer, {
      table,
      snapshotEvery: this.options.config.snapshotEvery,
      secrets: this.options.secrets,
      redactConfigMapKeys: this.options.config.redactConfigMapKeys,
      logger: this.options.logger,
    });
    // Secrets are never held in the platform's resource cache, so there is no watch to share.
    const source: CaptureSource =
      this.options.shareCache && !holdsSecrets(resource)
        ? sharedCache(this.cluster, resource)
        : ownWatch(this.cluster.handle.client, resource, stored.resourceVersion);
    this.running.set(name, { version: resource.version, recorder, stop: source(recorder) });
  }

  stop(): void {
    this.stopped = true;
    clearInterval(this.timer);
    for (const running of this.running.values()) running.stop();
    this.running.clear();
  }
}
