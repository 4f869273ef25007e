import { annotationsOf, describe, num, refOf, str } from '../../kube/fields.js';
import { nest, podSpecPatch, podSpecPath, podTemplateOf } from '../../kube/workloads.js';
import type { FindingDraft, Rule } from '../../rule.js';

/**
 * kube-score's cronjob-has-deadline: without startingDeadlineSeconds a run
 * missed while the controller or the cluster was down starts whenever it
 * comes back, however late (a 03:00 batch at noon). Most CronJobs are fine
 * with that, hence the strict profile.
 */
export const cronJobHasDeadline: Rule = {
  id: 'cronjob-has-deadline',
  category: 'reliability',
  defaultSeverity: 'low',
  profile: 'strict',
  title: 'CronJob has no starting deadline',
  description:
    'Without startingDeadlineSeconds a CronJob run missed during an outage of the controller or cluster starts when it comes back, however late.',
  check({ index }) {
    return index.ofKind('CronJob').flatMap((cron): FindingDraft[] => {
      if (num(cron, 'spec', 'startingDeadlineSeconds') !== undefined) return [];
      return [
        {
          object: cron,
          message: `${describe(refOf(cron))} sets no startingDeadlineSeconds, so a run missed during an outage starts when the controller is back, however late.`,
          evidence: [{ type: 'field', path: 'spec.startingDeadlineSeconds', value: null }],
          remediation: {
            summary: 'Set startingDeadlineSeconds to how late a run may still start.',
            steps: [
              'A run that cannot start within the deadline is skipped and counted as missed.',
            ],
            patch: { type: 'merge', body: nest(['spec'], { startingDeadlineSeconds: 300 }) },
          },
        },
      ];
    });
  },
};

const BATCH_RESTART_POLICIES = ['OnFailure', 'Never'];

/**
 * kube-score's cronjob-restartpolicy, for Jobs too: a Job's pods must stop,
 * so their restartPolicy must be OnFailure or Never; the pod default (Always)
 * is rejected by the API server.
 */
export const batchRestartPolicy: Rule = {
  id: 'cronjob-restartpolicy',
  category: 'reliability',
  defaultSeverity: 'high',
  title: 'Job pods have an invalid restartPolicy',
  description:
    'The pod template of a Job or CronJob must set restartPolicy OnFailure or Never; with none (Always) the API server rejects it.',
  check({ index }) {
    return index.ofKind('CronJob', 'Job').flatMap((job): FindingDraft[] => {
      if (!index.isTopLevel(job)) return [];
      const template = podTemplateOf(job);
      if (!template) return [];
      const policy = str(template.spec, 'restartPolicy');
      if (policy !== undefined && BATCH_RESTART_POLICIES.includes(policy)) return [];
      return [
        {
          object: job,
          message: `${describe(refOf(job))} ${policy ? `sets restartPolicy ${policy}` : 'sets no restartPolicy (so Always)'} in its pod template; a Job's pods must use OnFailure or Never.`,
          evidence: [
            { type: 'field', path: `${podSpecPath(job)}.restartPolicy`, value: policy ?? null },
          ],
          remediation: {
            summary:
              'Set restartPolicy: OnFailure (retry in the same pod) or Never (a new pod per retry).',
            steps: ['Never keeps the logs of each failed attempt in its own pod.'],
            patch: { type: 'merge', body: podSpecPatch(job, { restartPolicy: 'OnFailure' }) },
          },
        },
      ];
    });
  },
};

/**
 * kube-linter's job-ttl-seconds-after-finished: a finished Job stays, with
 * its pods, until someone deletes it. Jobs of a CronJob are cleaned up by its
 * history limits, hook Jobs by Helm or Argo CD. A Job kept in Git must not
 * expire either (the GitOps tool would recreate and rerun it), hence the
 * strict profile.
 */
/** Annotations under which Helm or Argo CD deletes a hook Job itself. */
const HOOK_DELETE_POLICIES = [
  'helm.sh/hook-delete-policy',
  'argocd.argoproj.io/hook-delete-policy',
];

export const jobTtlAfterFinished: Rule = {
  id: 'job-ttl-seconds-after-finished',
  category: 'reliability',
  defaultSeverity: 'low',
  profile: 'strict',
  title: 'Finished Job is never cleaned up',
  description:
    'A Job without ttlSecondsAfterFinished keeps its finished pods and object forever; they pile up and slow the API server.',
  check({ index }) {
    return index.ofKind('Job').flatMap((job): FindingDraft[] => {
      if (!index.isTopLevel(job) || num(job, 'spec', 'ttlSecondsAfterFinished') !== undefined)
        return [];
      if (HOOK_DELETE_POLICIES.some((a) => annotationsOf(job)[a] !== undefined)) return [];
      return [
        {
          object: job,
          message: `${describe(refOf(job))} sets no ttlSecondsAfterFinished, so it and its pods stay after it finishes.`,
          evidence: [{ type: 'field', path: 'spec.ttlSecondsAfterFinished', value: null }],
          remediation: {
            summary:
              'Set ttlSecondsAfterFinished so the Job is deleted some time after it finishes.',
            steps: ['Keep it long enough to read the logs of a failed run (e.g. a day: 86400).'],
            patch: { type: 'merge', body: nest(['spec'], { ttlSecondsAfterFinished: 86400 }) },
          },
        },
      ];
    });
  },
};

export const batchSettingRules: Rule[] = [
  cronJobHasDeadline,
  batchRestartPolicy,
  jobTtlAfterFinished,
];
