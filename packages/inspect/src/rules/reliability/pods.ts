import { condition, describe, field, num, parseQuantity, refOf, str } from '../../kube/fields.js';
import { containersOf } from '../../kube/workloads.js';
import {
  eventEvidence,
  eventsWithReason,
  perOwner,
  type FindingDraft,
  type Rule,
  type RuleContext,
} from '../../rule.js';
import type { KubeObject } from '../../snapshot.js';
import {
  conditionAge,
  containerStatuses,
  podStates,
  podsByPhase,
  ownerContainerPatch,
  restartCount,
  type ContainerStatus,
} from './pod-status.js';

/** Applies `pick` to every container status of every live pod. */
function perContainer(
  context: RuleContext,
  pick: (pod: KubeObject, container: ContainerStatus) => FindingDraft | undefined,
): FindingDraft[] {
  const out: FindingDraft[] = [];
  for (const { pod, containers } of podStates(context.index)) {
    for (const container of containers) {
      const draft = pick(pod, container);
      if (draft) out.push(draft);
    }
  }
  return out;
}

/** Pods in one phase, from the shared per-inspection pod states. */
function podsInPhase(context: RuleContext, phase: string): KubeObject[] {
  return podsByPhase(context.index).get(phase) ?? [];
}

function where(pod: KubeObject, container: ContainerStatus): string {
  return `${container.init ? 'init container' : 'container'} "${container.name}" of ${describe(refOf(pod))}`;
}

function statusPath(container: ContainerStatus): string {
  return `status.${container.init ? 'initContainerStatuses' : 'containerStatuses'}[${container.name}]`;
}

export const podUnschedulable: Rule = {
  id: 'pod-unschedulable',
  category: 'reliability',
  defaultSeverity: 'high',
  title: 'Pod cannot be scheduled',
  description: 'A Pending pod that the scheduler could not place on any node.',
  check(context) {
    return podsInPhase(context, 'Pending').flatMap((pod) => {
      const scheduled = condition(pod, 'PodScheduled');
      const events = eventsWithReason(context.index, pod, ['FailedScheduling']);
      if (scheduled?.status !== 'False' && events.length === 0) return [];
      // Pods held back on purpose by scheduling gates are waiting, not failing.
      if (scheduled?.reason === 'SchedulingGated') return [];
      const reason =
        scheduled?.message ?? str(events[0], 'message') ?? scheduled?.reason ?? 'no reason given';
      return [
        {
          object: pod,
          message: `${describe(refOf(pod))} is Pending because the scheduler cannot place it: ${reason}`,
          evidence: [
            ...(scheduled
              ? [
                  {
                    type: 'field' as const,
                    path: 'status.conditions[PodScheduled]',
                    value: scheduled,
                  },
                ]
              : []),
            ...events.slice(0, 3).map(eventEvidence),
          ],
          remediation: {
            summary: 'Make a node fit the pod, or make the pod fit a node.',
            steps: [
              'Read the scheduler message: it lists why each group of nodes was rejected.',
              'For "Insufficient cpu/memory": lower the requests or add node capacity.',
              'For taints, node selectors or affinity: add a toleration, fix the selector, or label a node.',
              'For unbound PersistentVolumeClaims: fix the claim first (see the PVC finding).',
            ],
          },
        },
      ];
    });
  },
};

export const podEvicted: Rule = {
  id: 'pod-evicted',
  category: 'reliability',
  defaultSeverity: 'warning',
  title: 'Pod was evicted',
  description: 'The kubelet evicted the pod, usually because the node ran short of a resource.',
  check(context) {
    return podsInPhase(context, 'Failed').flatMap((pod) => {
      if (str(pod, 'status', 'reason') !== 'Evicted') return [];
      const message = str(pod, 'status', 'message') ?? 'no message';
      return [
        {
          object: pod,
          message: `${describe(refOf(pod))} was evicted by its node: ${message}`,
          evidence: [{ type: 'field', path: 'status.message', value: message }],
          remediation: {
            summary: 'Give the pod requests that match its usage and delete the evicted pod.',
            steps: [
              'Set memory and ephemeral-storage requests close to real usage; pods using more than they request are evicted first.',
              'Check the node for memory or disk pressure.',
              `Delete the leftover pod: kubectl delete pod -n ${pod.metadata.namespace} ${pod.metadata.name}`,
            ],
          },
        },
      ];
    });
  },
};

export const podCrashLoop: Rule = {
  id: 'pod-crashloop',
  category: 'reliability',
  defaultSeverity: 'critical',
  title: 'Container is crash-looping',
  description: 'A container keeps exiting and the kubelet is backing off restarting it.',
  check(context) {
    return perContainer(context, (pod, container) => {
      if (container.waitingReason !== 'CrashLoopBackOff') return undefined;
      const last = container.lastTerminated;
      const reason = str(last, 'reason') ?? 'unknown';
      const exitCode = num(last, 'exitCode');
      const restarts = restartCount(container.status);
      return {
        object: pod,
        detail: container.name,
        message:
          `The ${where(pod, container)} is in CrashLoopBackOff after ${restarts} restarts; ` +
          `it last exited with reason ${reason}${exitCode === undefined ? '' : ` and code ${exitCode}`}` +
          `${exitCodeMeaning(exitCode)}.`,
        evidence: [
          {
            type: 'field',
            path: `${statusPath(container)}.state.waiting`,
            value: field(container.status, 'state', 'waiting'),
          },
          { type: 'field', path: `${statusPath(container)}.lastState.terminated`, value: last },
        ],
        remediation: {
          summary: 'Find out why the process exits and fix the cause.',
          steps: [
            `Read the previous run's logs: kubectl logs -n ${pod.metadata.namespace} ${pod.metadata.name} -c ${container.name} --previous`,
            'Check the command, arguments, environment and mounted configuration of the container.',
            'If a liveness probe kills it, make the probe match the real start-up time (startupProbe).',
          ],
        },
      };
    });
  },
};

function exitCodeMeaning(code: number | undefined): string {
  switch (code) {
    case 1:
      return ' (application error)';
    case 126:
      return ' (command not executable)';
    case 127:
      return ' (command not found)';
    case 137:
      return ' (killed by SIGKILL, often the memory limit)';
    case 139:
      return ' (segmentation fault)';
    case 143:
      return ' (terminated by SIGTERM)';
    default:
      return '';
  }
}

const PULL_REASONS = new Set([
  'ImagePullBackOff',
  'ErrImagePull',
  'InvalidImageName',
  'ErrImageNeverPull',
]);

export const podImagePull: Rule = {
  id: 'pod-image-pull',
  category: 'reliability',
  defaultSeverity: 'critical',
  title: 'Container image cannot be pulled',
  description:
    'The kubelet cannot pull the image of a container (wrong name or tag, missing credentials).',
  check(context) {
    return perContainer(context, (pod, container) => {
      const reason = container.waitingReason;
      if (!reason || !PULL_REASONS.has(reason)) return undefined;
      const image = str(container.status, 'image') ?? '';
      const message = str(container.status, 'state', 'waiting', 'message') ?? '';
      return {
        object: pod,
        detail: container.name,
        message:
          `The ${where(pod, container)} cannot start: ${reason} for image "${image}". ${message}`.trim(),
        evidence: [
          {
            type: 'field',
            path: `${statusPath(container)}.state.waiting`,
            value: field(container.status, 'state', 'waiting'),
          },
          ...eventsWithReason(context.index, pod, ['Failed']).slice(0, 2).map(eventEvidence),
        ],
        remediation: {
          summary: 'Point the container at an image that exists and that the node may pull.',
          steps: [
            'Check the registry, repository and tag for typos; confirm the tag exists.',
            'For a private registry, add imagePullSecrets to the pod or its service account.',
            'Check that the nodes can reach the registry (proxy, firewall, DNS).',
          ],
        },
      };
    });
  },
};

const CONFIG_REASONS = new Set([
  'CreateContainerConfigError',
  'CreateContainerError',
  'RunContainerError',
]);

export const podConfigError: Rule = {
  id: 'pod-config-error',
  category: 'reliability',
  defaultSeverity: 'critical',
  title: 'Container cannot be created from its configuration',
  description:
    'A referenced ConfigMap, Secret or key is missing, or the runtime rejects the container.',
  check(context) {
    return perContainer(context, (pod, container) => {
      const reason = container.waitingReason;
      if (!reason || !CONFIG_REASONS.has(reason)) return undefined;
      const message = str(container.status, 'state', 'waiting', 'message') ?? 'no message';
      return {
        object: pod,
        detail: container.name,
        message: `The ${where(pod, container)} cannot be created (${reason}): ${message}`,
        evidence: [
          {
            type: 'field',
            path: `${statusPath(container)}.state.waiting`,
            value: field(container.status, 'state', 'waiting'),
          },
        ],
        remediation: {
          summary: 'Create what the container refers to, or fix the reference.',
          steps: [
            'Check every configMapKeyRef, secretKeyRef, envFrom and volume for a name or key that does not exist.',
            'Check that runAsNonRoot images define a numeric non-root user.',
          ],
        },
      };
    });
  },
};

export const podOomKilled: Rule = {
  id: 'pod-oomkilled',
  category: 'reliability',
  defaultSeverity: 'high',
  title: 'Container was killed for running out of memory',
  description: 'The container exceeded its memory limit and the kernel killed it.',
  check(context) {
    return perContainer(context, (pod, container) => {
      const last = container.lastTerminated;
      if (str(last, 'reason') !== 'OOMKilled') return undefined;
      const declared = containersOf(pod, { init: true }).find((c) => c.name === container.name);
      const limitText = str(declared?.container, 'resources', 'limits', 'memory');
      const limit = parseQuantity(limitText);
      const raised = limit === undefined ? undefined : `${Math.ceil((limit * 1.5) / 2 ** 20)}Mi`;
      const patch =
        raised === undefined
          ? undefined
          : ownerContainerPatch(context.index, pod, container.name, {
              resources: { limits: { memory: raised }, requests: { memory: raised } },
            });
      return {
        object: pod,
        detail: container.name,
        message:
          `The ${where(pod, container)} was OOMKilled` +
          (limitText
            ? ` at its memory limit of ${limitText}`
            : ' (no memory limit: the node ran out)') +
          `; it has restarted ${restartCount(container.status)} times.`,
        evidence: [
          { type: 'field', path: `${statusPath(container)}.lastState.terminated`, value: last },
          ...(limitText
            ? [
                {
                  type: 'field' as const,
                  path: `${declared?.path}.resources.limits.memory`,
                  value: limitText,
                },
              ]
            : []),
        ],
        remediation: {
          summary: raised
            ? `Raise the memory limit (for example to ${raised}) or reduce the process's memory use.`
            : 'Set a memory request and limit that cover the real peak usage.',
          steps: [
            "Compare the limit with the container's peak working set over a normal day.",
            'For runtimes with their own heap (JVM, Node.js), size the heap below the limit.',
            'Look for a leak if usage grows without bound.',
          ],
          ...(patch ? { patch } : {}),
        },
      };
    });
  },
};

/** Pods that just became unready are often starting up; only a lasting state is a problem. */
const NOT_READY_GRACE_MS = 5 * 60 * 1000;

export const podNotReady: Rule = {
  id: 'pod-not-ready',
  category: 'reliability',
  defaultSeverity: 'high',
  title: 'Running pod is not ready',
  description: 'A pod is running but failing its readiness checks, so it receives no traffic.',
  check(context) {
    const out: FindingDraft[] = [];
    for (const pod of podsInPhase(context, 'Running')) {
      const ready = condition(pod, 'Ready');
      if (ready?.status !== 'False') continue;
      const age = conditionAge(pod, 'Ready', context.now);
      if (age !== undefined && age < NOT_READY_GRACE_MS) continue;
      // Containers that are waiting or crashing are reported by their own rules.
      const unready = containerStatuses(pod).filter((c) => !c.init && !c.ready && c.running);
      if (unready.length === 0) continue;
      const probeEvents = eventsWithReason(context.index, pod, ['Unhealthy']).filter((e) =>
        (str(e, 'message') ?? '').startsWith('Readiness'),
      );
      const names = unready.map((c) => c.name).join(', ');
      out.push({
        object: pod,
        message:
          `${describe(refOf(pod))} is running but not ready (containers: ${names})` +
          (probeEvents[0]
            ? `; the last readiness check said: ${str(probeEvents[0], 'message')}`
            : '.'),
        evidence: [
          { type: 'field', path: 'status.conditions[Ready]', value: ready },
          ...probeEvents.slice(0, 3).map(eventEvidence),
        ],
        remediation: {
          summary: 'Make the readiness probe pass, or make it test the right thing.',
          steps: [
            'Call the probe endpoint from inside the pod and look at the answer.',
            'Check the probe port, path and timeouts against what the application serves.',
            'Check the dependencies the readiness endpoint waits for (database, other services).',
          ],
        },
      });
    }
    return out;
  },
};

export const podRules: Rule[] = [
  podUnschedulable,
  podEvicted,
  podCrashLoop,
  podImagePull,
  podConfigError,
  podOomKilled,
  podNotReady,
].map(perOwner);
