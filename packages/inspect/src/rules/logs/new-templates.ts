import { describe, refOf } from '../../kube/fields.js';
import { isErrorLine, LogTemplateMiner, templateText, type LogCluster } from '../../logs/drain.js';
import type { ResourceRef } from '../../finding.js';
import type { SnapshotIndex } from '../../snapshot-index.js';
import type { KubeObject, LogSample, Snapshot } from '../../snapshot.js';
import type { FindingDraft, Rule } from '../../rule.js';

/** At most this many new templates per workload, the most frequent first, so one noisy app cannot flood a report. */
const MAX_PER_WORKLOAD = 10;

function lineText(line: LogSample['lines'][number]): string {
  return typeof line === 'string' ? line : line.line;
}

interface LogGroup {
  owner: KubeObject | ResourceRef;
  pods: Set<string>;
  lines: string[];
}

/** Error lines grouped by the workload that owns the pod they came from. */
function errorLinesByWorkload(index: SnapshotIndex, samples: LogSample[]): LogGroup[] {
  const groups = new Map<string, LogGroup>();
  for (const sample of samples) {
    const pod = index.get('Pod', sample.namespace, sample.pod);
    const owner: KubeObject | ResourceRef = pod
      ? index.topOwner(pod)
      : { apiVersion: 'v1', kind: 'Pod', namespace: sample.namespace, name: sample.pod };
    const ref = 'metadata' in owner ? refOf(owner) : owner;
    const id = `${ref.kind}/${ref.namespace}/${ref.name}/${sample.container ?? ''}`;
    const group = groups.get(id) ?? { owner, pods: new Set<string>(), lines: [] };
    group.pods.add(sample.pod);
    for (const line of sample.lines) {
      const text = lineText(line);
      if (isErrorLine(text)) group.lines.push(text);
    }
    groups.set(id, group);
  }
  return [...groups.values()].filter((g) => g.lines.length > 0);
}

function mine(lines: string[], baseline: string[] | undefined): LogCluster[] {
  const miner = new LogTemplateMiner();
  for (const template of baseline ?? []) miner.addKnown(template);
  for (const line of lines) miner.add(line);
  return miner.clusters().filter((c) => c.count > 0);
}

/** The error templates of a snapshot's logs, for the caller to keep as the next run's baseline. */
export function errorLogTemplates(snapshot: Snapshot): string[] {
  const lines = (snapshot.logs ?? []).flatMap((s) => s.lines.map(lineText)).filter(isErrorLine);
  return mine(lines, snapshot.options?.logBaselineTemplates).map(templateText).sort();
}

const SEVERE = /\b(fatal|panic|out of memory|oomkilled|segfault|corrupt)/i;

export const newErrorTemplate: Rule = {
  id: 'log-new-error-template',
  category: 'logs',
  defaultSeverity: 'warning',
  title: 'New kind of error in the logs',
  description:
    'Error lines are clustered into templates (Drain); a template not seen in the baseline is a new failure mode worth a look.',
  check({ index, options }) {
    const baseline = options.logBaselineTemplates;
    return errorLinesByWorkload(index, index.snapshot.logs ?? []).flatMap((group) => {
      const where = describe('metadata' in group.owner ? refOf(group.owner) : group.owner);
      return mine(group.lines, baseline)
        .filter((c) => !c.known)
        .sort((a, b) => b.count - a.count)
        .slice(0, MAX_PER_WORKLOAD)
        .map((cluster): FindingDraft => {
          const template = templateText(cluster);
          const severe = SEVERE.test(template);
          return {
            object: group.owner,
            detail: template,
            severity: severe ? 'high' : baseline === undefined ? 'low' : 'warning',
            message: `${where} logged ${cluster.count} error lines of a kind ${baseline === undefined ? 'not yet in any baseline' : 'not seen before'}: "${template}".`,
            evidence: cluster.examples.map((line) => ({ type: 'log' as const, text: line })),
            remediation: {
              summary:
                'Read the example lines in context and decide whether this is a new fault or expected noise.',
              steps: [
                'If it started with a rollout or config change, compare with the previous version.',
                'Expected messages can be exempted for this workload with the rule id log-new-error-template.',
              ],
            },
          };
        });
    });
  },
};

export const logRules: Rule[] = [newErrorTemplate];
