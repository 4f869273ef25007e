import { describe, field, parseQuantity, refOf } from '../../kube/fields.js';
import { formatCpu, formatDuration, formatMemory } from '../../kube/format.js';
import { containerPatch, containersOf } from '../../kube/workloads.js';
import type { Severity } from '../../finding.js';
import type { FindingDraft, Rule } from '../../rule.js';
import { samplesOf, seriesByWorkload } from '../../stats/series.js';
import { counterIncrease, linearFit, mean, type Sample } from '../../stats/stats.js';

const HOUR = 3_600_000;

function label(group: { workload: Parameters<typeof refOf>[0]; container: string }): string {
  return `container "${group.container}" of ${describe(refOf(group.workload))}`;
}

export const restartSpike: Rule = {
  id: 'anomaly-restart-spike',
  category: 'anomaly',
  defaultSeverity: 'high',
  title: 'Restarts spiked above the baseline',
  description:
    'Containers restarted far more often in the recent window than their own history predicts.',
  check(context) {
    const settings = context.options.anomaly;
    const window = settings.restartWindowMinutes * 60_000;
    const windowStart = context.now - window;
    return seriesByWorkload(context.index, 'container.restarts').flatMap(
      (group): FindingDraft[] => {
        let recent = 0;
        let baseline = 0;
        let baselineSpan = 0;
        for (const series of group.series) {
          const samples = samplesOf(series);
          const before = samples.filter((s) => s.t < windowStart);
          const lastBefore = before[before.length - 1];
          const inWindow = samples.filter((s) => s.t >= windowStart && s.t <= context.now);
          recent += counterIncrease(lastBefore ? [lastBefore, ...inWindow] : inWindow);
          baseline += counterIncrease(before);
          if (before.length > 1)
            baselineSpan = Math.max(baselineSpan, before[before.length - 1]!.t - before[0]!.t);
        }
        // With no history the baseline is zero, so any burst above the minimum counts.
        const expected = baselineSpan > 0 ? (baseline / baselineSpan) * window : 0;
        if (
          recent < settings.restartSpikeMinimum ||
          recent < settings.restartSpikeFactor * Math.max(expected, 1)
        )
          return [];
        return [
          {
            object: group.workload,
            detail: group.container,
            message:
              `The ${label(group)} restarted ${recent} times in the last ${settings.restartWindowMinutes} minutes; ` +
              `its baseline is ${expected.toFixed(1)} restarts per ${settings.restartWindowMinutes} minutes.`,
            evidence: [
              {
                type: 'metric',
                path: 'container.restarts',
                value: {
                  recent,
                  expectedFromBaseline: Number(expected.toFixed(2)),
                  windowMinutes: settings.restartWindowMinutes,
                  pods: group.series.length,
                },
              },
            ],
            remediation: {
              summary:
                'Find what changed at the start of the spike: a rollout, a config change, a dependency outage.',
              steps: [
                'Read the previous logs of a restarted container (kubectl logs --previous).',
                'Compare with the recent changes listed for the workload.',
              ],
            },
          },
        ];
      },
    );
  },
};

function memorySeverity(ms: number): Severity {
  if (ms <= 6 * HOUR) return 'high';
  if (ms <= 24 * HOUR) return 'warning';
  return 'low';
}

export const memoryGrowth: Rule = {
  id: 'anomaly-memory-growth',
  category: 'anomaly',
  defaultSeverity: 'warning',
  title: 'Memory grows toward the limit',
  description:
    'Working-set memory rises steadily; at the fitted rate it reaches the memory limit soon and the container will be OOMKilled.',
  check(context) {
    const settings = context.options.anomaly;
    const horizon = settings.memoryHorizonHours * HOUR;
    return seriesByWorkload(context.index, 'memory.workingSet').flatMap((group): FindingDraft[] => {
      const entry = containersOf(group.workload).find((c) => c.name === group.container);
      const limit = parseQuantity(field(entry?.container, 'resources', 'limits', 'memory'));
      if (!entry || limit === undefined) return [];
      // Each pod has its own trajectory; the one closest to the limit decides.
      let worst:
        { eta: number; samples: Sample[]; slope: number; r2: number; current: number } | undefined;
      for (const series of group.series) {
        const samples = samplesOf(series);
        if (samples.length < 6) continue;
        const fit = linearFit(samples);
        if (!fit || fit.slope <= 0 || fit.r2 < settings.memoryMinFit) continue;
        const current = fit.at(context.now);
        const eta = (limit - current) / fit.slope;
        if (eta > horizon) continue;
        if (!worst || eta < worst.eta)
          worst = { eta: Math.max(eta, 0), samples, slope: fit.slope, r2: fit.r2, current };
      }
      if (!worst) return [];
      const growthPerHour = worst.slope * HOUR;
      const first = worst.samples[0]!;
      const last = worst.samples[worst.samples.length - 1]!;
      const raised = formatMemory(limit * 1.5);
      return [
        {
          object: group.workload,
          detail: group.container,
          severity: memorySeverity(worst.eta),
          message:
            `Memory of the ${label(group)} grows by ${formatMemory(growthPerHour)} per hour and will reach its limit of ${formatMemory(limit)} ` +
            (worst.eta === 0 ? 'now' : `in about ${formatDuration(worst.eta)}`) +
            ` (linear fit, r²=${worst.r2.toFixed(2)}).`,
          evidence: [
            {
              type: 'metric',
              path: 'memory.workingSet',
              value: {
                from: { t: new Date(first.t).toISOString(), v: formatMemory(first.v) },
                to: { t: new Date(last.t).toISOString(), v: formatMemory(last.v) },
                growthPerHour: formatMemory(growthPerHour),
                limit: formatMemory(limit),
                hoursToLimit: Number((worst.eta / HOUR).toFixed(1)),
                r2: Number(worst.r2.toFixed(3)),
              },
            },
          ],
          remediation: {
            summary:
              'Look for a leak (caches without bounds, unclosed resources); raise the limit only as a stopgap.',
            steps: [
              'Take a heap profile while usage is high and compare it with one taken after start-up.',
              'A restart resets the trend but does not fix the cause.',
            ],
            patch: {
              type: 'strategic',
              body: containerPatch(group.workload, entry, {
                resources: { limits: { memory: raised } },
              }),
            },
          },
        },
      ];
    });
  },
};

/** Throttled fraction of CFS periods, from a ratio series or from the two counters. */
function throttlingRatios(context: Parameters<Rule['check']>[0]) {
  const ratios = new Map<
    string,
    { group: ReturnType<typeof seriesByWorkload>[number]; ratio: number }
  >();
  const key = (g: { workload: { metadata: { uid?: string; name?: string } }; container: string }) =>
    `${g.workload.metadata.uid ?? g.workload.metadata.name}/${g.container}`;
  for (const group of seriesByWorkload(context.index, 'cpu.throttledRatio')) {
    const values = group.series.flatMap(samplesOf).map((s) => s.v);
    if (values.length > 0) ratios.set(key(group), { group, ratio: mean(values) });
  }
  const periods = new Map(seriesByWorkload(context.index, 'cpu.periods').map((g) => [key(g), g]));
  for (const group of seriesByWorkload(context.index, 'cpu.throttledPeriods')) {
    const total = periods.get(key(group));
    if (!total || ratios.has(key(group))) continue;
    const throttled = group.series.reduce((sum, s) => sum + counterIncrease(samplesOf(s)), 0);
    const all = total.series.reduce((sum, s) => sum + counterIncrease(samplesOf(s)), 0);
    if (all > 0) ratios.set(key(group), { group, ratio: throttled / all });
  }
  return [...ratios.values()];
}

export const cpuThrottling: Rule = {
  id: 'anomaly-cpu-throttling',
  category: 'anomaly',
  defaultSeverity: 'warning',
  title: 'CPU is throttled',
  description: 'A large share of CPU periods hit the CPU limit, which shows up as latency.',
  check(context) {
    const settings = context.options.anomaly;
    return throttlingRatios(context).flatMap(({ group, ratio }): FindingDraft[] => {
      if (ratio < settings.throttlingWarnRatio) return [];
      const entry = containersOf(group.workload).find((c) => c.name === group.container);
      const limit = parseQuantity(field(entry?.container, 'resources', 'limits', 'cpu'));
      return [
        {
          object: group.workload,
          detail: group.container,
          severity: ratio >= settings.throttlingHighRatio ? 'high' : 'warning',
          message:
            `The ${label(group)} was throttled in ${(ratio * 100).toFixed(0)}% of CPU periods` +
            (limit !== undefined ? ` at its CPU limit of ${formatCpu(limit)}.` : '.'),
          evidence: [
            { type: 'metric', path: 'cpu.throttledRatio', value: Number(ratio.toFixed(3)) },
          ],
          remediation: {
            summary:
              'Raise or remove the CPU limit, or reduce CPU bursts (thread pools, GC threads).',
            steps: [
              'Runtimes that size thread pools from the host CPU count burst above small limits.',
            ],
            ...(entry && limit !== undefined
              ? {
                  patch: {
                    type: 'strategic' as const,
                    body: containerPatch(group.workload, entry, {
                      resources: { limits: { cpu: formatCpu(limit * 1.5) } },
                    }),
                  },
                }
              : {}),
          },
        },
      ];
    });
  },
};

export const anomalyRules: Rule[] = [restartSpike, memoryGrowth, cpuThrottling];
