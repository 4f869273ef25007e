import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  appendPodLog,
  createTestNamespace,
  deleteNamespace,
  waitFor,
} from '../../../../test/support/cluster.js';
import { inspectorOf, startRunner } from '../../src/inspector/inspector-module.js';
import { addSignals } from '../../src/inspector/collect/signals.js';
import { SnapshotCollector } from '../../src/inspector/collect/snapshot-collector.js';
import { adminCore, kubeTestEnv, type KubeTestEnv } from '../kube/support.js';

/**
 * A word no other test run logs. Every pod shares one log file, so the word
 * comes second in each line: the miner routes lines by their leading tokens,
 * and lines of earlier runs never merge with these (letters only: digits are masked).
 */
const word = () => [...randomBytes(8)].map((b) => String.fromCharCode(97 + (b % 26))).join('');

function pod(name: string, labels: Record<string, string> = {}) {
  return {
    metadata: { name, labels: { app: name, ...labels } },
    spec: { containers: [{ name: 'app', image: 'registry.example.com/app:1.0.0' }] },
  };
}

describe('log samples and the log baseline in live inspection runs', () => {
  let env: KubeTestEnv;
  let namespace: string;
  const tag = word();
  const firstLine = `ERROR ${tag} checkout could not reach payments at 10.0.0.7:443 attempt 3`;
  const secondLine = `FATAL ${tag} inventory sync worker crashed with code 7`;

  beforeAll(async () => {
    env = await kubeTestEnv();
    namespace = await createTestNamespace('insp-logs');
    const core = adminCore();
    await core.createNamespacedPod({
      namespace,
      body: pod('crashy', { 'kubeops.io/test-fault': 'crashloop' }),
    });
    await core.createNamespacedPod({ namespace, body: pod('calm') });
    appendPodLog([firstLine]);
    await waitFor('the crashloop pod to restart', async () => {
      const p = await core.readNamespacedPod({ namespace, name: 'crashy' });
      return (p.status?.containerStatuses?.[0]?.restartCount ?? 0) > 0;
    });
  }, 120_000);

  afterAll(async () => {
    if (namespace) await deleteNamespace(namespace);
    await env?.close();
  });

  async function runNow() {
    const inspector = inspectorOf(env.ctx);
    const run = await inspector.runs.enqueue({ cluster: 'local', namespace, trigger: 'manual' });
    const runner = startRunner(env.ctx, { holder: 'log-runner' });
    const report = await runner.tick();
    await runner.lease.release();
    expect(report.executed).toContain(run.id);
    const stored = await inspector.runs.get(run.id);
    expect(stored.status).toBe('succeeded');
    return run.id;
  }

  /** The log findings a run reported (resolved ones aside) that mention this test's tag. */
  async function logFindings(runId: string) {
    const { rows } = await env.ctx.db.query<{ name: string; message: string; status: string }>(
      `SELECT f.name, f.message, rf.status FROM inspection_run_findings rf
         JOIN inspection_findings f ON f.fingerprint = rf.fingerprint AND f.cluster = 'local'
        WHERE rf.run_id = $1::bigint AND f.rule_id = 'log-new-error-template' AND f.message LIKE $2
          AND rf.status <> 'resolved'`,
      [runId, `%${tag}%`],
    );
    return rows;
  }

  it('reads the logs of the crashing pod, not of the healthy one', async () => {
    const { client } = await env.kube.registry.connect('local');
    const collection = await new SnapshotCollector(client).collect({ namespace });
    await addSignals(collection, { client, cluster: 'local', namespace });
    const sampled = (collection.snapshot.logs ?? []).map((s) => `${s.pod}/${s.container}`);
    expect(sampled).toEqual(['crashy/app']);
    const lines = collection.snapshot.logs![0]!.lines;
    expect(lines.length).toBeLessThanOrEqual(200);
    expect(lines.some((l) => (typeof l === 'string' ? l : l.line) === firstLine)).toBe(true);

    // A run scoped to another workload reads none of the crashing pod's logs.
    const scoped = await new SnapshotCollector(client).collect({ namespace });
    await addSignals(scoped, {
      client,
      cluster: 'local',
      namespace,
      workload: { kind: 'Pod', name: 'calm' },
    });
    expect(scoped.snapshot.logs).toEqual([]);
  });

  it('reports a new error template on the run after it first appears, and never the same one twice', async () => {
    // First run: no baseline yet; what it logs becomes the baseline.
    const first = await runNow();
    const firstFindings = await logFindings(first);
    expect(firstFindings.map((f) => f.name)).toEqual(['crashy']);
    expect(firstFindings[0]!.message).toContain(`${tag} checkout`);
    const { rows: stored } = await env.ctx.db.query<{ template: string; workload_kind: string }>(
      `SELECT template, workload_kind FROM inspection_log_templates
        WHERE cluster = 'local' AND namespace = $1 AND workload_name = 'crashy'`,
      [namespace],
    );
    expect(stored.some((r) => r.template.includes(`${tag} checkout`))).toBe(true);
    expect(stored.every((r) => r.workload_kind === 'Pod')).toBe(true);

    // Second run: a new kind of error appears; the known one is not reported again.
    appendPodLog([secondLine]);
    const second = await runNow();
    const secondFindings = await logFindings(second);
    expect(secondFindings).toHaveLength(1);
    expect(secondFindings[0]!.message).toContain(`${tag} inventory`);
    expect(secondFindings[0]!.message).toContain('not seen before');
    expect(secondFindings[0]!.status).toBe('new');

    // Third run: both lines are still in the log tail, both are known now.
    const third = await runNow();
    expect(await logFindings(third)).toEqual([]);
  });
});
