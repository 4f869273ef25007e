import type { Evidence, Severity } from '../../finding.js';
import { describe, field, num, parseQuantity, refOf } from '../../kube/fields.js';
import { formatCpu, formatMemory, formatMoney } from '../../kube/format.js';
import { containerPatch, containersOf, desiredReplicas } from '../../kube/workloads.js';
import type { ResolvedOptions } from '../../options.js';
import type { FindingDraft, Rule, RuleContext } from '../../rule.js';
import type { KubeObject } from '../../snapshot.js';
import { allSamples, seriesByWorkload } from '../../stats/series.js';
import { percentile } from '../../stats/stats.js';

const GIB = 2 ** 30;

interface Sizing {
  resource: 'cpu' | 'memory';
  request: number;
  usage: number;
  recommended: number;
  samples: number;
}

/** Pods actually running for the workload; a DaemonSet's count comes from its status. */
function replicasOf(workload: KubeObject): number {
  if (workload.kind === 'DaemonSet') return num(workload, 'status', 'currentNumberScheduled') ?? 1;
  return Math.max(desiredReplicas(workload), 0);
}

/** Monthly price of `cores` and `bytes` for `replicas` pods. */
export function monthlyCost(
  options: ResolvedOptions,
  cores: number,
  bytes: number,
  replicas: number,
): number {
  const sheet = options.priceSheet;
  return (
    (cores * sheet.cpuCoreHour + (bytes / GIB) * sheet.memoryGiBHour) *
    sheet.hoursPerMonth *
    replicas
  );
}

/** VPA-style recommendations per workload container, for each resource with enough history. */
function sizings(
  context: RuleContext,
): Array<{ workload: KubeObject; container: string; sizes: Sizing[] }> {
  return context.index.memo('rightSizing', () => {
    const settings = context.options.rightSizing;
    const out = new Map<string, { workload: KubeObject; container: string; sizes: Sizing[] }>();
    for (const [resource, metric, p] of [
      ['cpu', 'cpu.usage', settings.cpuPercentile],
      ['memory', 'memory.workingSet', settings.memoryPercentile],
    ] as const) {
      for (const group of seriesByWorkload(context.index, metric)) {
        const entry = containersOf(group.workload).find((c) => c.name === group.container);
        const request = parseQuantity(field(entry?.container, 'resources', 'requests', resource));
        if (!entry || request === undefined) continue;
        const values = allSamples(group).map((s) => s.v);
        if (values.length < settings.minSamples) continue;
        const usage = percentile(values, p);
        const id = `${group.workload.metadata.uid ?? group.workload.metadata.name}/${group.container}`;
        const row = out.get(id) ?? {
          workload: group.workload,
          container: group.container,
          sizes: [],
        };
        row.sizes.push({
          resource,
          request,
          usage,
          recommended: usage * settings.safetyMargin,
          samples: values.length,
        });
        out.set(id, row);
      }
    }
    return [...out.values()];
  });
}

function quantity(sizing: Sizing, value: number): string {
  return sizing.resource === 'cpu' ? formatCpu(value) : formatMemory(value);
}

function sizingEvidence(sizing: Sizing, percentileUsed: number): Evidence {
  return {
    type: 'metric',
    path: `resources.requests.${sizing.resource}`,
    value: {
      request: quantity(sizing, sizing.request),
      [`p${percentileUsed}`]: quantity(sizing, sizing.usage),
      recommended: quantity(sizing, sizing.recommended),
      samples: sizing.samples,
    },
  };
}

function costSeverity(monthly: number): Severity {
  return monthly >= 100 ? 'warning' : monthly >= 10 ? 'low' : 'info';
}

function percentileFor(options: ResolvedOptions, resource: 'cpu' | 'memory'): number {
  return resource === 'cpu'
    ? options.rightSizing.cpuPercentile
    : options.rightSizing.memoryPercentile;
}

export const overProvisioned: Rule = {
  id: 'cost-overprovisioned',
  category: 'cost',
  defaultSeverity: 'low',
  title: 'Requests far above real usage',
  description:
    'Usage history shows the container requests much more CPU or memory than it uses; the reserved capacity is paid for and idle.',
  check(context) {
    const settings = context.options.rightSizing;
    return sizings(context).flatMap(({ workload, container, sizes }): FindingDraft[] => {
      const wasteful = sizes.filter((s) => {
        const floor = s.resource === 'cpu' ? settings.minCpuCores : settings.minMemoryBytes;
        return (
          s.request > s.recommended * settings.overProvisionFactor &&
          s.request - s.recommended >= floor
        );
      });
      if (wasteful.length === 0) return [];
      const replicas = replicasOf(workload);
      const cpu = wasteful.find((s) => s.resource === 'cpu');
      const memory = wasteful.find((s) => s.resource === 'memory');
      const saving = monthlyCost(
        context.options,
        cpu ? cpu.request - cpu.recommended : 0,
        memory ? memory.request - memory.recommended : 0,
        replicas,
      );
      const entry = containersOf(workload).find((c) => c.name === container)!;
      const requests = Object.fromEntries(
        wasteful.map((s) => [s.resource, quantity(s, s.recommended)]),
      );
      const money = formatMoney(saving, context.options.priceSheet.currency);
      return [
        {
          object: workload,
          detail: container,
          severity: costSeverity(saving),
          message:
            `Container "${container}" of ${describe(refOf(workload))} requests ` +
            wasteful
              .map(
                (s) =>
                  `${quantity(s, s.request)} ${s.resource} but uses ${quantity(s, s.usage)} at p${percentileFor(context.options, s.resource)}`,
              )
              .join(' and ') +
            `; sizing it to the recommendation saves about ${money} a month across ${replicas} replicas.`,
          evidence: [
            ...wasteful.map((s) => sizingEvidence(s, percentileFor(context.options, s.resource))),
            {
              type: 'metric',
              path: 'monthlySaving',
              value: {
                amount: Number(saving.toFixed(2)),
                currency: context.options.priceSheet.currency,
              },
            },
          ],
          remediation: {
            summary: `Lower the requests to ${Object.entries(requests)
              .map(([r, q]) => `${r} ${q}`)
              .join(', ')}.`,
            steps: [
              'Recommendations are a high percentile of observed usage times a safety margin; check the history covers peak periods.',
              'Keep memory limits above the new request.',
            ],
            patch: {
              type: 'strategic',
              body: containerPatch(workload, entry, { resources: { requests } }),
            },
          },
        },
      ];
    });
  },
};

export const underProvisioned: Rule = {
  id: 'cost-underprovisioned',
  category: 'cost',
  defaultSeverity: 'warning',
  title: 'Usage above requests',
  description:
    'The container regularly uses more than it requests: the scheduler overcommits its node, and it is throttled or evicted first.',
  check(context) {
    return sizings(context).flatMap(({ workload, container, sizes }): FindingDraft[] => {
      const short = sizes.filter((s) => s.usage > s.request);
      if (short.length === 0) return [];
      const replicas = replicasOf(workload);
      const cpu = short.find((s) => s.resource === 'cpu');
      const memory = short.find((s) => s.resource === 'memory');
      const extra = monthlyCost(
        context.options,
        cpu ? cpu.recommended - cpu.request : 0,
        memory ? memory.recommended - memory.request : 0,
        replicas,
      );
      const entry = containersOf(workload).find((c) => c.name === container)!;
      const requests = Object.fromEntries(
        short.map((s) => [s.resource, quantity(s, s.recommended)]),
      );
      return [
        {
          object: workload,
          detail: container,
          severity: memory ? 'warning' : 'low',
          message:
            `Container "${container}" of ${describe(refOf(workload))} uses more than it requests: ` +
            short
              .map(
                (s) =>
                  `${s.resource} p${percentileFor(context.options, s.resource)} ${quantity(s, s.usage)} against a request of ${quantity(s, s.request)}`,
              )
              .join('; ') +
            `. Requesting what it uses costs about ${formatMoney(extra, context.options.priceSheet.currency)} more a month.`,
          evidence: short.map((s) => sizingEvidence(s, percentileFor(context.options, s.resource))),
          remediation: {
            summary: `Raise the requests to ${Object.entries(requests)
              .map(([r, q]) => `${r} ${q}`)
              .join(', ')}.`,
            steps: [
              'Memory used beyond the request makes the pod a first candidate for eviction under node pressure.',
            ],
            patch: {
              type: 'strategic',
              body: containerPatch(workload, entry, { resources: { requests } }),
            },
          },
        },
      ];
    });
  },
};

export const costRules: Rule[] = [overProvisioned, underProvisioned];
