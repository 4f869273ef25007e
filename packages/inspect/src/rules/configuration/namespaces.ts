import { namespaceWasDefaulted } from '../../kube/defaulted.js';
import { nameOf } from '../../kube/fields.js';
import type { FindingDraft, Rule } from '../../rule.js';

/**
 * kube-linter's use-namespace: a manifest without a namespace is applied to
 * whatever namespace the current kubectl context names, often `default`.
 * Loaders fill the namespace in; they record which objects named none.
 */
export const useNamespace: Rule = {
  id: 'use-namespace',
  category: 'configuration',
  defaultSeverity: 'low',
  title: 'Manifest names no namespace',
  description:
    'A namespaced object without metadata.namespace is created in whatever namespace the applying client is set to, often default.',
  check({ index }) {
    return index.snapshot.objects.flatMap((object): FindingDraft[] => {
      if (!namespaceWasDefaulted(object)) return [];
      return [
        {
          object,
          message: `${object.kind} ${nameOf(object)} names no namespace, so it is created in whichever namespace the applying client uses (inspected here as ${object.metadata.namespace}).`,
          evidence: [{ type: 'field', path: 'metadata.namespace', value: null }],
          remediation: {
            summary: 'Set metadata.namespace in the manifest.',
            steps: [
              'In a Helm chart, set namespace: {{ .Release.Namespace }} on every namespaced object.',
            ],
          },
        },
      ];
    });
  },
};

export const namespaceRules: Rule[] = [useNamespace];
