import type { ServerContext } from '../context.js';
import { findingExplainer, type FindingExplainer } from '../providers/ai/index.js';
import { containerMetricsOf } from '../providers/metrics/index.js';
import { kubeModuleOf } from '../kube/kube-module.js';
import type { TargetComponent } from '../targets.js';
import { ChannelStore } from './channel-store.js';
import { ExemptionStore } from './exemption-store.js';
import { InspectionRunner, type RunnerOptions } from './inspection-runner.js';
import { RunExecutor, type ClusterConnections } from './run-executor.js';
import { FindingStore } from './store/finding-store.js';
import { RunStore } from './store/run-store.js';
import { ScheduleStore } from './store/schedule-store.js';
import { FindingQueries } from './store/finding-queries.js';
import { EgressGuard } from '../core/egress-guard.js';

/** The inspector's stores and executor for one process, shared by its routes and its target. */
export interface InspectorModule {
  runs: RunStore;
  findings: FindingStore;
  queries: FindingQueries;
  exemptions: ExemptionStore;
  channels: ChannelStore;
  schedules: ScheduleStore;
  executor: RunExecutor;
}

const modules = new WeakMap<ServerContext, InspectorModule>();

export function inspectorOf(ctx: ServerContext, connections?: ClusterConnections): InspectorModule {
  let module = modules.get(ctx);
  if (!module) {
    const findings = new FindingStore(ctx.db);
    const exemptions = new ExemptionStore(ctx.db);
    const channels = new ChannelStore(
      ctx.db,
      ctx.secrets,
      ctx.logger,
      new EgressGuard(ctx.config.network),
    );
    const executor = new RunExecutor({
      db: ctx.db,
      connections: connections ?? kubeModuleOf(ctx).registry,
      findings,
      exemptions,
      channels,
      logger: ctx.logger,
      publicUrl: ctx.config.http.publicUrl,
      explain: explainerOf(ctx),
      metrics: containerMetricsOf(ctx.config.metrics),
      options: { profile: ctx.config.inspector.profile },
      reports: ctx.config.inspector.reportFormats.length
        ? { store: ctx.objects, formats: ctx.config.inspector.reportFormats }
        : undefined,
    });
    module = {
      runs: new RunStore(ctx.db),
      findings,
      queries: new FindingQueries(ctx.db),
      exemptions,
      channels,
      schedules: new ScheduleStore(ctx.db),
      executor,
    };
    modules.set(ctx, module);
  }
  return module;
}

/**
 * The AI layer's explainer when the `ai` config section (AiSettingsSchema)
 * names a provider; without one, findings keep their rule explanations and
 * no explainer runs at all.
 */
function explainerOf(ctx: ServerContext): FindingExplainer | undefined {
  const settings = ctx.config.ai;
  if (!settings.provider) return undefined;
  return findingExplainer(settings, { db: ctx.db, logger: ctx.logger });
}

export function startRunner(ctx: ServerContext, options: RunnerOptions = {}): InspectionRunner {
  const module = inspectorOf(ctx);
  return new InspectionRunner(ctx.db, module.runs, module.executor, ctx.logger, options);
}

/** The inspector target: the scheduler and runner loop (one active replica at a time). */
export const inspectionRunnerComponent: TargetComponent = {
  name: 'inspection-runner',
  async start(ctx) {
    return startRunner(ctx).start(ctx.bus);
  },
};
