import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestNamespace, deleteNamespace } from '../../../../../test/support/cluster.js';
import { inspectorOf } from '../../../src/inspector/inspector-module.js';
import { RunExecutor } from '../../../src/inspector/run-executor.js';
import { containerMetricsOf, type MetricsSettings } from '../../../src/providers/metrics/index.js';
import { adminCore, kubeTestEnv, type KubeTestEnv } from '../../kube/support.js';
import {
  startVictoriaMetrics,
  type VictoriaMetrics,
} from '../../../../../test/support/victoria-metrics.js';

const MINUTE = 60_000;
const MiB = 2 ** 20;

describe('a live inspection run with a metrics server configured', () => {
  let env: KubeTestEnv;
  let vm: VictoriaMetrics;
  let namespace: string;

  beforeAll(async () => {
    [env, vm, namespace] = await Promise.all([
      kubeTestEnv(),
      startVictoriaMetrics(),
      createTestNamespace('insp-metrics'),
    ]);
    await adminCore().createNamespacedPod({
      namespace,
      body: {
        metadata: { name: 'leaky', labels: { app: 'leaky' } },
        spec: {
          containers: [
            {
              name: 'app',
              image: 'registry.example.com/app:1.0.0',
              resources: { limits: { cpu: '1', memory: '512Mi' } },
            },
          ],
        },
      },
    });
    // Three hours of a working set growing 40 MiB an hour, 380 MiB now.
    const now = Math.floor(Date.now() / MINUTE) * MINUTE;
    const timestamps = Array.from({ length: 181 }, (_, i) => now - (180 - i) * MINUTE);
    await vm.import([
      {
        metric: {
          __name__: 'container_memory_working_set_bytes',
          namespace,
          pod: 'leaky',
          container: 'app',
        },
        timestamps,
        values: timestamps.map((t) => (380 - (40 * (now - t)) / (60 * MINUTE)) * MiB),
      },
    ]);
  }, 120_000);

  afterAll(async () => {
    if (namespace) await deleteNamespace(namespace);
    await vm?.stop();
    await env?.close();
  });

  const settings = (url: string): MetricsSettings => ({
    url,
    headers: {},
    insecureSkipTlsVerify: false,
    lookbackMinutes: 240,
    stepSeconds: 120,
    timeoutMs: 1000,
  });

  async function run(metricsUrl: string) {
    const inspector = inspectorOf(env.ctx);
    const executor = new RunExecutor({
      db: env.ctx.db,
      connections: env.kube.registry,
      findings: inspector.findings,
      exemptions: inspector.exemptions,
      channels: inspector.channels,
      logger: env.ctx.logger,
      metrics: containerMetricsOf(settings(metricsUrl)),
    });
    const queued = await inspector.runs.enqueue({ cluster: 'local', namespace, trigger: 'manual' });
    const claimed = await inspector.runs.claimNext('metrics-runner');
    expect(claimed?.id).toBe(queued.id);
    await executor.execute(claimed!, 'metrics-runner');
    const stored = await inspector.runs.get(queued.id);
    const { rows } = await env.ctx.db.query<{ rule_id: string; message: string }>(
      `SELECT f.rule_id, f.message FROM inspection_run_findings rf
         JOIN inspection_findings f ON f.fingerprint = rf.fingerprint AND f.cluster = 'local'
        WHERE rf.run_id = $1::bigint AND f.category = 'anomaly' AND rf.status <> 'resolved'`,
      [queued.id],
    );
    return { stored, anomalies: rows };
  }

  it('reports memory growing toward the limit from the server history', async () => {
    const { stored, anomalies } = await run(vm.url);
    expect(stored.status).toBe('succeeded');
    expect(stored.skipped).toEqual([]);
    expect(anomalies.map((a) => a.rule_id)).toEqual(['anomaly-memory-growth']);
    expect(anomalies[0]!.message).toMatch(
      /Pod .*\/leaky grows by 40Mi per hour and will reach its limit of 512Mi in about 3\.\d hours/,
    );
  });

  it('still completes the run when the metrics server is down, listing the metrics it missed', async () => {
    const { stored, anomalies } = await run('http://127.0.0.1:1');
    expect(stored.status).toBe('succeeded');
    expect(anomalies).toEqual([]);
    const skipped = stored.skipped as Array<{ kind: string; reason: string }>;
    expect(skipped.map((s) => s.kind).sort()).toEqual([
      'metrics container.restarts',
      'metrics cpu.throttledRatio',
      'metrics cpu.usage',
      'metrics memory.workingSet',
    ]);
    expect(skipped[0]!.reason).toMatch(
      /^metrics\.url: http:\/\/127\.0\.0\.1:1 could not be reached/,
    );
  });
});
