import { annotationsOf, describe, nameOf, refOf, str } from '../../kube/fields.js';
import type { FindingDraft, Rule } from '../../rule.js';

/** K8sGPT's storage analyzer: volumes left Released or Failed, and competing default classes. */

export const pvReleased: Rule = {
  id: 'pv-released',
  category: 'reliability',
  defaultSeverity: 'warning',
  title: 'PersistentVolume is released but kept',
  description:
    'The claim of a volume with reclaimPolicy Retain was deleted: the disk and its data remain (and cost money), but no new claim can bind it until someone reclaims it.',
  check({ index }) {
    return index.ofKind('PersistentVolume').flatMap((pv): FindingDraft[] => {
      if (str(pv, 'status', 'phase') !== 'Released') return [];
      const claim = str(pv, 'spec', 'claimRef', 'name');
      const claimNamespace = str(pv, 'spec', 'claimRef', 'namespace');
      return [
        {
          object: pv,
          message: `${describe(refOf(pv))} is Released${claim ? ` (its claim ${claimNamespace}/${claim} was deleted)` : ''} and keeps its data under reclaimPolicy ${str(pv, 'spec', 'persistentVolumeReclaimPolicy') ?? 'Retain'}.`,
          evidence: [
            { type: 'field', path: 'status.phase', value: 'Released' },
            {
              type: 'field',
              path: 'spec.claimRef',
              value: { namespace: claimNamespace, name: claim },
            },
          ],
          remediation: {
            summary:
              'Back up or delete the data, then delete the volume, or clear spec.claimRef so a new claim can bind it.',
            steps: [
              `kubectl get pv ${nameOf(pv)} -o yaml`,
              `To reuse it: kubectl patch pv ${nameOf(pv)} --type json -p '[{"op":"remove","path":"/spec/claimRef"}]'`,
            ],
          },
        },
      ];
    });
  },
};

export const pvFailed: Rule = {
  id: 'pv-failed',
  category: 'reliability',
  defaultSeverity: 'high',
  title: 'PersistentVolume failed',
  description:
    'Automatic reclamation of the volume failed (e.g. the provisioner could not delete the disk); it needs a person.',
  check({ index }) {
    return index.ofKind('PersistentVolume').flatMap((pv): FindingDraft[] => {
      if (str(pv, 'status', 'phase') !== 'Failed') return [];
      const why = str(pv, 'status', 'message') ?? str(pv, 'status', 'reason');
      return [
        {
          object: pv,
          message: `${describe(refOf(pv))} is Failed${why ? `: ${why}` : ''}.`,
          evidence: [{ type: 'field', path: 'status', value: { phase: 'Failed', message: why } }],
          remediation: {
            summary:
              'Fix what stops the reclaim (provisioner permissions, the disk in the cloud), then delete the volume.',
            steps: [`kubectl describe pv ${nameOf(pv)}`, 'Check the CSI provisioner logs.'],
          },
        },
      ];
    });
  },
};

const DEFAULT_CLASS_ANNOTATIONS = [
  'storageclass.kubernetes.io/is-default-class',
  'storageclass.beta.kubernetes.io/is-default-class',
];

export const storageClassMultipleDefaults: Rule = {
  id: 'storageclass-multiple-defaults',
  category: 'reliability',
  defaultSeverity: 'warning',
  title: 'Several StorageClasses are marked default',
  description:
    'With more than one default StorageClass, a claim that names none gets whichever the admission plugin picks (the newest), which may not be the class people expect.',
  check({ index }) {
    const defaults = index
      .ofKind('StorageClass')
      .filter((c) => DEFAULT_CLASS_ANNOTATIONS.some((a) => annotationsOf(c)[a] === 'true'));
    if (defaults.length < 2) return [];
    const names = defaults.map(nameOf).sort();
    return defaults.map((storageClass) => ({
      object: storageClass,
      message: `StorageClass ${nameOf(storageClass)} is one of ${defaults.length} default StorageClasses (${names.join(', ')}).`,
      evidence: [{ type: 'object', text: 'default StorageClasses', value: names }],
      remediation: {
        summary: 'Keep one default StorageClass; unmark the others.',
        steps: ['Decide which class claims without storageClassName should get.'],
        patch: {
          type: 'merge',
          body: {
            metadata: {
              annotations: Object.fromEntries(
                DEFAULT_CLASS_ANNOTATIONS.filter((a) => annotationsOf(storageClass)[a]).map((a) => [
                  a,
                  'false',
                ]),
              ),
            },
          },
        },
      },
    }));
  },
};

export const persistentVolumeRules: Rule[] = [pvReleased, pvFailed, storageClassMultipleDefaults];
