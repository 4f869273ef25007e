import { annotationsOf, describe, refOf, str } from '../../kube/fields.js';
import { eventEvidence, eventsWithReason, type Rule } from '../../rule.js';

const PROVISIONING_REASONS = [
  'ProvisioningFailed',
  'FailedBinding',
  'ExternalProvisioning',
  'WaitForFirstConsumer',
];

export const pvcPending: Rule = {
  id: 'pvc-pending',
  category: 'reliability',
  defaultSeverity: 'high',
  title: 'PersistentVolumeClaim is pending',
  description: 'The claim is not bound to a volume, so pods using it cannot start.',
  check({ index }) {
    return index.ofKind('PersistentVolumeClaim').flatMap((pvc) => {
      if (str(pvc, 'status', 'phase') !== 'Pending') return [];
      const events = eventsWithReason(index, pvc, PROVISIONING_REASONS);
      // Volumes bound on first use wait for a pod; that is not a fault by itself.
      if (str(events[0], 'reason') === 'WaitForFirstConsumer') return [];
      const why = str(events[0], 'message');
      return [
        {
          object: pvc,
          message: `${describe(refOf(pvc))} is Pending${why ? `: ${why}` : ' with no provisioning event'}.`,
          evidence: [
            { type: 'field', path: 'status.phase', value: 'Pending' },
            {
              type: 'field',
              path: 'spec.storageClassName',
              value: str(pvc, 'spec', 'storageClassName') ?? null,
            },
            ...events.slice(0, 3).map(eventEvidence),
          ],
          remediation: {
            summary:
              'Make a volume available: a working StorageClass provisioner or a matching PersistentVolume.',
            steps: [
              'kubectl get storageclass; check the provisioner pods are running.',
              'Check the requested size and access mode are supported by the storage class.',
            ],
          },
        },
      ];
    });
  },
};

export const pvcLost: Rule = {
  id: 'pvc-lost',
  category: 'reliability',
  defaultSeverity: 'critical',
  title: 'PersistentVolumeClaim lost its volume',
  description: 'The PersistentVolume bound to this claim no longer exists; the data may be gone.',
  check({ index }) {
    return index.ofKind('PersistentVolumeClaim').flatMap((pvc) => {
      if (str(pvc, 'status', 'phase') !== 'Lost') return [];
      const volume = str(pvc, 'spec', 'volumeName');
      return [
        {
          object: pvc,
          message: `${describe(refOf(pvc))} is Lost: its volume "${volume ?? 'unknown'}" no longer exists.`,
          evidence: [
            { type: 'field', path: 'status.phase', value: 'Lost' },
            { type: 'field', path: 'spec.volumeName', value: volume ?? null },
          ],
          remediation: {
            summary: 'Restore the PersistentVolume from backup or recreate the claim.',
            steps: ['Check whether the underlying disk still exists at the storage provider.'],
          },
        },
      ];
    });
  },
};

const DEFAULT_CLASS = 'storageclass.kubernetes.io/is-default-class';

export const pvcStorageClassMissing: Rule = {
  id: 'pvc-storageclass-missing',
  category: 'reliability',
  defaultSeverity: 'high',
  title: 'StorageClass of a claim is missing',
  description:
    'The claim names a StorageClass that does not exist, so it can never be provisioned.',
  check({ index }) {
    if (!index.canTellMissing('StorageClass')) return [];
    const hasDefault = index
      .ofKind('StorageClass')
      .some((c) => annotationsOf(c)[DEFAULT_CLASS] === 'true');
    return index.ofKind('PersistentVolumeClaim').flatMap((pvc) => {
      if (str(pvc, 'status', 'phase') === 'Bound') return [];
      const className = str(pvc, 'spec', 'storageClassName');
      if (className === '' || (className === undefined && hasDefault)) return [];
      if (className !== undefined && index.get('StorageClass', undefined, className)) return [];
      if (className === undefined && index.source === 'manifests') return [];
      return [
        {
          object: pvc,
          message:
            className === undefined
              ? `${describe(refOf(pvc))} names no StorageClass and the cluster has no default one.`
              : `${describe(refOf(pvc))} uses StorageClass "${className}", which does not exist.`,
          evidence: [{ type: 'field', path: 'spec.storageClassName', value: className ?? null }],
          remediation: {
            summary: 'Use an existing StorageClass (kubectl get storageclass).',
            steps: [
              'The storageClassName of a claim cannot be changed: recreate the claim with the right class.',
            ],
          },
        },
      ];
    });
  },
};

export const storageRules = [pvcPending, pvcLost, pvcStorageClassMissing];
