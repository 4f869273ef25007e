import { describe, list, num, record, refOf, str } from '../../kube/fields.js';
import { matchesSelector, parseLabelSelector } from '../../kube/selector.js';
import { podSpecPath, podTemplateOf } from '../../kube/workloads.js';
import type { FindingDraft, Rule } from '../../rule.js';
import { perTemplateWorkload } from '../containers.js';

const WHEN_UNSATISFIABLE = ['DoNotSchedule', 'ScheduleAnyway'];

/**
 * kube-score's pod-topology-spread-constraints: a constraint the API server
 * rejects, or one whose selector does not pick the workload's own pods, which
 * spreads nothing (the scheduler counts the pods the selector matches).
 */
export const topologySpreadConstraints: Rule = {
  id: 'pod-topology-spread-constraints',
  category: 'configuration',
  defaultSeverity: 'warning',
  title: 'Topology spread constraint does not spread the workload',
  description:
    'A topology spread constraint needs a topologyKey, a maxSkew of at least 1, a valid whenUnsatisfiable and a labelSelector that matches the pods it should spread.',
  check(context) {
    return perTemplateWorkload(context, (workload): FindingDraft | undefined => {
      const template = podTemplateOf(workload);
      const constraints = list(template?.spec, 'topologySpreadConstraints');
      const problems = constraints.flatMap((constraint, i) => {
        const at = `constraint ${i + 1}${str(constraint, 'topologyKey') ? ` (${str(constraint, 'topologyKey')})` : ''}`;
        const out: string[] = [];
        if (!str(constraint, 'topologyKey')) out.push(`${at} has no topologyKey`);
        const skew = num(constraint, 'maxSkew');
        if (skew === undefined || skew < 1)
          out.push(`${at} has maxSkew ${skew ?? 'unset'}; it must be at least 1`);
        const when = str(constraint, 'whenUnsatisfiable');
        if (!when || !WHEN_UNSATISFIABLE.includes(when))
          out.push(
            `${at} has whenUnsatisfiable ${when ?? 'unset'}; it must be DoNotSchedule or ScheduleAnyway`,
          );
        const selector = parseLabelSelector(record(constraint, 'labelSelector'));
        if (!selector) out.push(`${at} has no labelSelector, so it counts no pods`);
        else if (!matchesSelector(selector, template?.labels ?? {}))
          out.push(`${at} has a labelSelector that does not match the workload's own pod labels`);
        return out;
      });
      if (problems.length === 0) return undefined;
      return {
        object: workload,
        message: `${describe(refOf(workload))} declares topology spread constraints that cannot spread its pods: ${problems.join('; ')}.`,
        evidence: [
          {
            type: 'field',
            path: `${podSpecPath(workload)}.topologySpreadConstraints`,
            value: constraints,
          },
        ],
        remediation: {
          summary:
            "Give each constraint a topologyKey, maxSkew: 1, whenUnsatisfiable and a labelSelector matching the pod template's labels.",
          steps: [
            'Reuse the workload selector (spec.selector.matchLabels) as the labelSelector.',
            'ScheduleAnyway keeps pods schedulable on small clusters; DoNotSchedule enforces the spread.',
          ],
        },
      };
    });
  },
};

export const topologyRules: Rule[] = [topologySpreadConstraints];
