import { describe, nameOf, record, refOf } from '../../kube/fields.js';
import type { FindingDraft, Rule } from '../../rule.js';

/**
 * K8sGPT's ConfigMap analyzer: a ConfigMap without data gives a workload
 * nothing, which usually means a template rendered its data away (a wrong
 * values key) or the data was never filled in.
 */
export const configMapEmpty: Rule = {
  id: 'configmap-empty',
  category: 'configuration',
  defaultSeverity: 'low',
  title: 'ConfigMap is empty',
  description:
    'A ConfigMap with neither data nor binaryData; often a chart rendered its content away with a wrong values key.',
  check(context) {
    return context.index.ofKind('ConfigMap').flatMap((configMap): FindingDraft[] => {
      if (context.isSystemNamespace(configMap.metadata.namespace)) return [];
      // Controllers keep state in annotations of ConfigMaps they own (leader election).
      if ((configMap.metadata.ownerReferences ?? []).length > 0) return [];
      const size = ['data', 'binaryData'].reduce(
        (n, f) => n + Object.keys(record(configMap, f) ?? {}).length,
        0,
      );
      if (size > 0) return [];
      return [
        {
          object: configMap,
          message: `${describe(refOf(configMap))} has no data.`,
          evidence: [{ type: 'field', path: 'data', value: record(configMap, 'data') ?? null }],
          remediation: {
            summary: 'Fill in its data, or delete it if nothing needs it.',
            steps: [
              `helm template … | grep -A5 'name: ${nameOf(configMap)}' shows what a chart renders.`,
            ],
          },
        },
      ];
    });
  },
};

export const emptyConfigMapRules: Rule[] = [configMapEmpty];
