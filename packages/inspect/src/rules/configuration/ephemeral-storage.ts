import { field } from '../../kube/fields.js';
import { containerPatch } from '../../kube/workloads.js';
import type { Rule } from '../../rule.js';
import { containerLabel, perTemplateContainer } from '../containers.js';

/** Placeholders for a container that writes little to disk; the message says to tune them. */
const STARTING_POINT = { request: '256Mi', limit: '1Gi' };

/**
 * kube-score's container-ephemeral-storage-request-and-limit. Logs, emptyDir
 * and the writable layer count against the node's disk; without a limit one
 * container can fill it and the kubelet evicts every pod on the node. Most
 * manifests leave it unset and run fine, hence the strict profile.
 */
export const ephemeralStorageRequestAndLimit: Rule = {
  id: 'container-ephemeral-storage-request-and-limit',
  category: 'configuration',
  defaultSeverity: 'low',
  profile: 'strict',
  title: 'Container has no ephemeral-storage request or limit',
  description:
    'Without an ephemeral-storage limit a container can fill the node disk with logs and scratch files, and the kubelet then evicts pods that did nothing wrong.',
  check(context) {
    return perTemplateContainer(context, { init: true }, (workload, entry) => {
      const request = field(entry.container, 'resources', 'requests', 'ephemeral-storage');
      const limit = field(entry.container, 'resources', 'limits', 'ephemeral-storage');
      if (request !== undefined && limit !== undefined) return undefined;
      const missing = [request === undefined ? 'request' : '', limit === undefined ? 'limit' : '']
        .filter(Boolean)
        .join(' or ');
      const resources = {
        ...(request === undefined
          ? { requests: { 'ephemeral-storage': STARTING_POINT.request } }
          : {}),
        ...(limit === undefined ? { limits: { 'ephemeral-storage': STARTING_POINT.limit } } : {}),
      };
      return {
        object: workload,
        detail: entry.name,
        message: `The ${containerLabel(workload, entry)} has no ephemeral-storage ${missing}.`,
        evidence: [
          {
            type: 'field',
            path: `${entry.path}.resources.requests.ephemeral-storage`,
            value: request ?? null,
          },
          {
            type: 'field',
            path: `${entry.path}.resources.limits.ephemeral-storage`,
            value: limit ?? null,
          },
        ],
        remediation: {
          summary: 'Request the disk the container typically uses and limit it above its peak.',
          steps: [
            'The patch holds placeholder values; size them from the container logs and scratch files.',
          ],
          patch: { type: 'strategic', body: containerPatch(workload, entry, { resources }) },
        },
      };
    });
  },
};

export const ephemeralStorageRules: Rule[] = [ephemeralStorageRequestAndLimit];
