import { checkCronSchedule } from '../../kube/cron.js';
import { bool, condition, describe, num, refOf, str } from '../../kube/fields.js';
import { nest } from '../../kube/workloads.js';
import { eventEvidence, eventsWithReason, perOwner, type Rule } from '../../rule.js';

export const jobFailed: Rule = {
  id: 'job-failed',
  category: 'reliability',
  defaultSeverity: 'high',
  title: 'Job failed',
  description: 'A Job gave up: it hit its backoff limit or its active deadline.',
  check({ index }) {
    return index.ofKind('Job').flatMap((job) => {
      const failed = condition(job, 'Failed');
      if (failed?.status !== 'True') return [];
      const failures = num(job, 'status', 'failed') ?? 0;
      return [
        {
          object: job,
          message:
            `${describe(refOf(job))} failed (${failed.reason ?? 'no reason'}` +
            `${failed.message ? `: ${failed.message}` : ''}) after ${failures} failed pods.`,
          evidence: [
            { type: 'field', path: 'status.conditions[Failed]', value: failed },
            { type: 'field', path: 'status.failed', value: failures },
            ...eventsWithReason(index, job, ['BackoffLimitExceeded', 'DeadlineExceeded'])
              .slice(0, 2)
              .map(eventEvidence),
          ],
          remediation: {
            summary: 'Read the logs of its failed pods and fix the cause, then re-run the Job.',
            steps: [
              `kubectl logs -n ${job.metadata.namespace} job/${job.metadata.name}`,
              'If the work is expected to take longer, raise spec.activeDeadlineSeconds.',
              'Set ttlSecondsAfterFinished so failed Jobs do not linger.',
            ],
          },
        },
      ];
    });
  },
};

export const cronJobSuspended: Rule = {
  id: 'cronjob-suspended',
  category: 'reliability',
  defaultSeverity: 'low',
  title: 'CronJob is suspended',
  description: 'A suspended CronJob starts no Jobs; often left behind after an incident.',
  check({ index }) {
    return index.ofKind('CronJob').flatMap((cron) => {
      if (bool(cron, 'spec', 'suspend') !== true) return [];
      return [
        {
          object: cron,
          message: `${describe(refOf(cron))} is suspended, so its schedule "${str(cron, 'spec', 'schedule')}" runs nothing.`,
          evidence: [{ type: 'field', path: 'spec.suspend', value: true }],
          remediation: {
            summary:
              'Resume it if the suspension was temporary, or delete it if it is no longer needed.',
            steps: ['Confirm with the owner why it was suspended.'],
            patch: { type: 'merge', body: nest(['spec'], { suspend: false }) },
          },
        },
      ];
    });
  },
};

export const cronJobInvalidSchedule: Rule = {
  id: 'cronjob-invalid-schedule',
  category: 'reliability',
  defaultSeverity: 'high',
  title: 'CronJob schedule is invalid',
  description: 'The schedule is not valid cron syntax, so the CronJob never runs.',
  check({ index }) {
    return index.ofKind('CronJob').flatMap((cron) => {
      const schedule = str(cron, 'spec', 'schedule') ?? '';
      const check = checkCronSchedule(schedule);
      const deadline = num(cron, 'spec', 'startingDeadlineSeconds');
      if (check.valid && (deadline === undefined || deadline >= 0)) return [];
      const problem = check.valid
        ? `startingDeadlineSeconds is negative (${deadline})`
        : check.problem;
      return [
        {
          object: cron,
          message: `${describe(refOf(cron))} has the schedule "${schedule}", which is invalid: ${problem}.`,
          evidence: [{ type: 'field', path: 'spec.schedule', value: schedule }],
          remediation: {
            summary:
              'Write the schedule as five cron fields (minute hour day-of-month month day-of-week) or a descriptor like @hourly.',
            steps: [
              'Example: "*/15 * * * *" runs every 15 minutes; "0 3 * * 1-5" runs at 03:00 on weekdays.',
            ],
          },
        },
      ];
    });
  },
};

// Jobs started by a CronJob are folded into it: each run has a new name.
export const jobRules: Rule[] = [perOwner(jobFailed), cronJobSuspended, cronJobInvalidSchedule];
