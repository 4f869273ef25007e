import {
  runInspection,
  summarize,
  type Finding,
  type InspectOptions,
  type Snapshot,
} from '@kubeops/inspect';
import type { Logger } from '../core/logging.js';
import type { KubeClient } from '../kube/kube-client.js';
import type { Database } from '../store/database.js';
import type { NotifiedFinding } from '../providers/notify/message.js';
import type { FindingExplainer } from '../providers/ai/index.js';
import type { ContainerMetricsProvider } from '../providers/metrics/index.js';
import type { ChannelStore } from './channel-store.js';
import { LogBaselineStore, workloadErrorTemplates } from './collect/log-baseline-store.js';
import { addSignals } from './collect/signals.js';
import { SnapshotCollector } from './collect/snapshot-collector.js';
import type { ExemptionStore } from './exemption-store.js';
import type { FindingStatus, FindingStore } from './store/finding-store.js';
import { scopeOfRun, type RunRow } from './store/run-store.js';
import { ScopeFilter } from './scope.js';
import { describeResource, type InspectionReport } from './formats/report.js';
import { exportRunReport, type ReportExport } from './report-export.js';
import { explainRun } from './run-explanations.js';

/**
 * How the inspector reaches a cluster by name. The cluster registry
 * provides it in the server; a test or a single-cluster setup may pass its own.
 */
export interface ClusterConnections {
  connect(name: string): Promise<{ client: KubeClient }>;
}

export interface RunExecutorDeps {
  db: Database;
  connections: ClusterConnections;
  findings: FindingStore;
  exemptions: ExemptionStore;
  channels: ChannelStore;
  logger: Logger;
  /** The console's public URL, for links in notifications. */
  publicUrl?: string | undefined;
  options?: InspectOptions | undefined;
  /** Set when an AI provider is configured: new and regressed findings get a model explanation. */
  explain?: FindingExplainer | undefined;
  /** Set when a metrics server is configured: the usage and anomaly rules get history. */
  metrics?: ContainerMetricsProvider | undefined;
  /** Set when inspector.reportFormats is: each stored run's report is also written to object storage. */
  reports?: ReportExport | undefined;
}

export interface ExecutedRun {
  runId: string;
  stored: boolean;
  findings: number;
  newCount: number;
  resolvedCount: number;
}

/** Executes one claimed run: collect, inspect, store the lifecycle, notify. */
export class RunExecutor {
  private readonly logBaselines: LogBaselineStore;

  constructor(private readonly deps: RunExecutorDeps) {
    this.logBaselines = new LogBaselineStore(deps.db);
  }

  async execute(run: RunRow, runner: string): Promise<ExecutedRun> {
    const { deps } = this;
    const scope = scopeOfRun(run);
    const { client } = await deps.connections.connect(run.cluster);
    const collection = await new SnapshotCollector(client).collect({
      namespace: scope.namespace ?? undefined,
    });
    await addSignals(collection, {
      client,
      metrics: deps.metrics,
      cluster: run.cluster,
      namespace: scope.namespace ?? undefined,
      workload: scope.workload,
    });
    // Templates seen by earlier runs are known; only the others are reported as new.
    const baseline = await this.logBaselines.baselineFor(run.cluster, scope.namespace ?? undefined);
    const snapshot: Snapshot = {
      ...collection.snapshot,
      options: { ...deps.options, ...(baseline ? { logBaselineTemplates: baseline } : {}) },
    };
    const result = runInspection(snapshot, {
      exemptions: await deps.exemptions.activeFor(run.cluster),
    });
    const filter = new ScopeFilter(snapshot, scope);
    const observed = result.findings
      .filter((f) => filter.includes(f))
      .map((finding) => ({ finding, owner: filter.ownerOf(finding) }));
    const summary = {
      ...summarize(
        observed.map((o) => o.finding),
        snapshot.objects.length,
      ),
      suppressed: result.suppressed.filter((s) => filter.includes(s.finding)).length,
    };
    const at = new Date(snapshot.now);
    const { outcome, stored } = await deps.db
      .transaction(async (tx) => {
        const outcome = await deps.findings.recordRun(run.id, run.cluster, scope, observed, at, tx);
        await this.logBaselines.record(
          run.cluster,
          run.id,
          workloadErrorTemplates(snapshot),
          at,
          tx,
        );
        const stored = await deps.findings.completeRun(
          run.id,
          runner,
          summary,
          snapshot.objects.length,
          outcome,
          collection.skipped,
          tx,
        );
        // A runner that lost its claim must not leave half a report behind.
        if (!stored) throw new LostClaim();
        return { outcome, stored };
      })
      .catch((error: unknown) => {
        if (error instanceof LostClaim) return { outcome: undefined, stored: false };
        throw error;
      });
    if (!stored || !outcome) {
      deps.logger.warn(
        { run: run.id },
        'inspection run was taken over by another runner; result dropped',
      );
      return {
        runId: run.id,
        stored: false,
        findings: observed.length,
        newCount: 0,
        resolvedCount: 0,
      };
    }
    if (deps.explain) await this.explain(deps.explain, run, observed, outcome.seen, snapshot);
    if (deps.reports) {
      await this.exportReport(deps.reports, run, {
        target: `cluster ${describeScope(run)}`,
        result: {
          ...result,
          findings: observed.map((o) => o.finding),
          suppressed: result.suppressed.filter((s) => filter.includes(s.finding)),
          summary,
        },
        skipped: collection.skipped,
        time: snapshot.now,
      });
    }
    const notified: NotifiedFinding[] = observed.map(({ finding: f }) => ({
      ruleId: f.ruleId,
      severity: f.severity,
      category: f.category,
      status: (outcome.seen.get(f.fingerprint) ?? 'open') as NotifiedFinding['status'],
      resource: describeResource(f),
      message: f.message,
    }));
    const counts = {
      total: observed.length,
      new: notified.filter((f) => f.status === 'new').length,
      regressed: notified.filter((f) => f.status === 'regressed').length,
      resolved: outcome.resolved.length,
    };
    await deps.channels.dispatch({
      cluster: run.cluster,
      scope: describeScope(run),
      runId: run.id,
      url: deps.publicUrl
        ? new URL(`inspections/runs/${run.id}`, deps.publicUrl).toString()
        : undefined,
      overallScore: summary.overall,
      scores: summary.scores,
      counts,
      findings: notified,
      time: snapshot.now,
    });
    return {
      runId: run.id,
      stored: true,
      findings: observed.length,
      newCount: counts.new,
      resolvedCount: counts.resolved,
    };
  }

  /** Exports are an extra as well: the stored run stands when storage fails. */
  private async exportReport(
    reports: ReportExport,
    run: RunRow,
    report: InspectionReport,
  ): Promise<void> {
    try {
      const keys = await exportRunReport(reports, run, report);
      this.deps.logger.info(
        { run: run.id, location: reports.store.location, keys },
        'inspection report exported',
      );
    } catch (error) {
      this.deps.logger.warn(
        { run: run.id, err: error instanceof Error ? error.message : String(error) },
        'exporting the inspection report failed; the stored run stands',
      );
    }
  }

  /** Explanations are an extra: a failure is logged and the run's report stands. */
  private async explain(
    explain: FindingExplainer,
    run: RunRow,
    observed: Array<{ finding: Finding }>,
    statuses: Map<string, FindingStatus>,
    snapshot: Snapshot,
  ): Promise<void> {
    try {
      const explained = await explainRun(
        explain,
        this.deps.findings,
        { cluster: run.cluster, findings: observed.map((o) => o.finding), statuses },
        snapshot,
      );
      this.deps.logger.info({ run: run.id, ...explained }, 'inspection findings explained');
    } catch (error) {
      this.deps.logger.warn(
        { run: run.id, err: error instanceof Error ? error.message : String(error) },
        'explaining inspection findings failed; their rule explanations stand',
      );
    }
  }
}

class LostClaim extends Error {}

export function describeScope(
  run: Pick<RunRow, 'cluster' | 'namespace' | 'workload_kind' | 'workload_name'>,
): string {
  let text = run.cluster;
  if (run.namespace) text += `/${run.namespace}`;
  if (run.workload_kind && run.workload_name) text += ` ${run.workload_kind}/${run.workload_name}`;
  return text;
}
