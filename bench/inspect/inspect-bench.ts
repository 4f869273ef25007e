import { readFile, writeFile } from 'node:fs/promises';
import { availableParallelism, loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import type { Snapshot } from '@kubeops/inspect';
import { KubeClient } from '../../packages/server/src/kube/kube-client.js';
import { endpointFromKubeconfig } from '../../packages/server/src/inspector/collect/kubeconfig-endpoint.js';
import { SnapshotCollector } from '../../packages/server/src/inspector/collect/snapshot-collector.js';
import { benchCluster, type PlantedFault } from './bench-cluster.js';
import { measureRulePhase, withoutOwners, type RulePhase } from './measure.js';
import { populate } from './populate.js';

/**
 * bench:inspect. Fills a dedicated kwok cluster with 10,000 pods shaped like
 * a real cluster (bench-cluster.ts), collects it as the inspector does, and
 * measures the rule phase twice: on the cluster as it is, where the engine
 * judges each workload once through its template and folds pod findings into
 * the owner, and on the same pods stripped of their owners, the worst case
 * where every pod is judged on its own. The rule phase of the real cluster
 * must stay under 3 s; the bench fails otherwise, or when a planted fault
 * goes unreported.
 *
 *   --save-snapshot FILE   also write the collected snapshot (JSON)
 *   --snapshot FILE        skip the cluster; measure a saved snapshot
 *   --runs N               timed runs per snapshot (default 3)
 */
const RULE_PHASE_LIMIT_MS = 3000;

const mib = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(0)} MiB`;

async function collect(saveTo: string | undefined): Promise<Snapshot> {
  const cluster = benchCluster();
  const { endpoint } = await endpointFromKubeconfig({ kubeconfig: process.env.KUBECONFIG });
  const client = new KubeClient(endpoint, {}, undefined, 120_000);
  try {
    console.log(`filling the cluster: ${cluster.shape}`);
    await populate(client, cluster);
    const collection = await new SnapshotCollector(client).collect();
    const { snapshot } = collection;
    console.log(
      `collected ${snapshot.objects.length} objects (${snapshot.objects.filter((o) => o.kind === 'Pod').length} pods, ${snapshot.events?.length ?? 0} warning events) in ${collection.durationMs} ms`,
    );
    if (saveTo) {
      await writeFile(saveTo, JSON.stringify(snapshot));
      console.log(`snapshot saved to ${saveTo}`);
    }
    return snapshot;
  } finally {
    client.close();
  }
}

function report(label: string, phase: RulePhase): void {
  const { result } = phase;
  console.log(`\n${label}`);
  console.log(
    `  rule phase: best ${phase.bestMs.toFixed(0)} ms, worst ${phase.worstMs.toFixed(0)} ms over ${phase.runs} runs on fresh copies (limit ${RULE_PHASE_LIMIT_MS} ms); the worst used ${phase.cpuMs.toFixed(0)} ms of CPU (load average ${loadavg()[0]!.toFixed(1)} on ${availableParallelism()} cores)`,
  );
  console.log(
    `  findings: ${result.findings.length} (${Object.entries(result.summary.bySeverity)
      .map(([severity, n]) => `${n} ${severity}`)
      .join(
        ', ',
      )}), ${result.suppressed.length} suppressed, ${result.rulesRun.length} rules, ${result.failures.length} failed`,
  );
  console.log(
    `  memory: heap ${mib(phase.heapBefore)} before, peak ${mib(phase.heapPeak)} (+${mib(phase.heapPeak - phase.heapBefore)}, sampled after each rule), result retains ${mib(phase.retained)}; process peak rss ${mib(phase.peakRss)}`,
  );
  const slowest = [...result.ruleTimings].sort((a, b) => b.ms - a.ms).slice(0, 5);
  console.log(
    `  slowest rules (last run): ${slowest.map((t) => `${t.ruleId} ${t.ms.toFixed(0)} ms/${t.findings}`).join(', ')}`,
  );
}

function missingFaults(phase: RulePhase, faults: PlantedFault[]): PlantedFault[] {
  const reported = [...phase.result.findings, ...phase.result.suppressed.map((s) => s.finding)];
  return faults.filter(
    (f) =>
      !reported.some(
        (r) =>
          r.ruleId === f.rule &&
          r.resource.kind === f.kind &&
          r.resource.namespace === f.namespace &&
          r.resource.name === f.name,
      ),
  );
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      snapshot: { type: 'string' },
      'save-snapshot': { type: 'string' },
      runs: { type: 'string', default: '3' },
    },
  });
  const runs = Number(values.runs);
  const cluster = benchCluster();
  const snapshot: Snapshot = values.snapshot
    ? (JSON.parse(await readFile(values.snapshot, 'utf8')) as Snapshot)
    : await collect(values['save-snapshot']);
  const pods = snapshot.objects.filter((o) => o.kind === 'Pod').length;

  const real = measureRulePhase(snapshot, runs);
  report(`realistic cluster: ${pods} pods, ${snapshot.objects.length} objects`, real);
  const bare = withoutOwners(snapshot);
  const worst = measureRulePhase(bare, runs);
  report(
    `worst case, the same ${bare.objects.filter((o) => o.kind === 'Pod').length} pods without owners (each judged on its own; reported, not limited)`,
    worst,
  );

  const missing = missingFaults(real, cluster.faults);
  console.log(
    `\nplanted faults reported: ${cluster.faults.length - missing.length}/${cluster.faults.length}`,
  );
  for (const f of missing) {
    console.error(`  missing: ${f.what} (${f.rule} on ${f.kind} ${f.namespace}/${f.name})`);
  }
  if (missing.length > 0) process.exitCode = 1;
  if (pods < cluster.expectedPods) {
    console.error(`only ${pods} of ${cluster.expectedPods} pods collected`);
    process.exitCode = 1;
  }
  if (real.worstMs > RULE_PHASE_LIMIT_MS) {
    console.error(
      `the rule phase took ${real.worstMs.toFixed(0)} ms, over the ${RULE_PHASE_LIMIT_MS} ms limit`,
    );
    process.exitCode = 1;
  }
}

await main();
