import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/**
 * The Prometheus metrics of one KubeOps process. Each process (and each test
 * app) owns its registry, so two apps in one process never collide.
 */
export class Metrics {
  readonly registry = new Registry();
  readonly httpDuration: Histogram<'method' | 'route' | 'status_code'>;
  readonly webSocketConnections: Gauge<'channel'>;
  readonly auditWrites: Counter<'result'>;
  private readonly cacheSizes = new Map<string, () => number>();

  constructor() {
    collectDefaultMetrics({ register: this.registry, prefix: 'kubeops_' });
    this.httpDuration = new Histogram({
      name: 'kubeops_http_request_duration_seconds',
      help: 'HTTP request latency by route template',
      labelNames: ['method', 'route', 'status_code'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers: [this.registry],
    });
    this.webSocketConnections = new Gauge({
      name: 'kubeops_websocket_connections',
      help: 'Open WebSocket connections by channel',
      labelNames: ['channel'],
      registers: [this.registry],
    });
    this.auditWrites = new Counter({
      name: 'kubeops_audit_entries_total',
      help: 'Audit entries written, by result',
      labelNames: ['result'],
      registers: [this.registry],
    });
    const sizes = this.cacheSizes;
    new Gauge({
      name: 'kubeops_cache_entries',
      help: 'Entries held by an in-memory cache',
      labelNames: ['cache'],
      registers: [this.registry],
      collect() {
        this.reset();
        for (const [cache, size] of sizes) this.set({ cache }, size());
      },
    });
  }

  /** Call when a WebSocket opens; call the returned function when it closes. */
  trackWebSocket(channel: string): () => void {
    this.webSocketConnections.inc({ channel });
    let open = true;
    return () => {
      if (open) this.webSocketConnections.dec({ channel });
      open = false;
    };
  }

  /** Lets a module expose the size of its cache as kubeops_cache_entries{cache=name}. */
  registerCacheSize(cache: string, size: () => number): void {
    this.cacheSizes.set(cache, size);
  }

  /** Registers a gauge whose value is read at scrape time (e.g. DB pool state). */
  registerGauge(
    name: string,
    help: string,
    labelNames: string[],
    read: () => Array<{ labels: Record<string, string>; value: number }>,
  ): void {
    if (this.registry.getSingleMetric(name)) this.registry.removeSingleMetric(name);
    new Gauge({
      name,
      help,
      labelNames,
      registers: [this.registry],
      collect() {
        this.reset();
        for (const sample of read()) this.set(sample.labels, sample.value);
      },
    });
  }
}
