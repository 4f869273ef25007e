import { describe, record, refOf } from '../../kube/fields.js';
import { templateReferences, type TemplateReference } from '../../kube/references.js';
import type { FindingDraft, Rule } from '../../rule.js';
import type { KubeObject } from '../../snapshot.js';

/**
 * The keys an object holds, or undefined when the snapshot does not show
 * them (live Secrets are collected without their data).
 */
function keysOf(object: KubeObject): Set<string> | undefined {
  const fields = object.kind === 'Secret' ? ['data', 'stringData'] : ['data', 'binaryData'];
  const maps = fields.map((f) => record(object, f)).filter((m) => m !== undefined);
  if (object.kind === 'Secret' && maps.length === 0) return undefined;
  return new Set(maps.flatMap((m) => Object.keys(m)));
}

export const templateReferenceKeyMissing: Rule = {
  id: 'workload-reference-key-missing',
  category: 'reliability',
  defaultSeverity: 'high',
  title: 'Workload reads a key its ConfigMap or Secret does not have',
  description:
    'An env key reference or a volume item names a key missing from an existing ConfigMap or Secret: the pod fails with CreateContainerConfigError or its volume does not mount.',
  check({ index }) {
    return index.templateWorkloads().flatMap((workload) => {
      const drafts: FindingDraft[] = [];
      // One finding per object and key, however many places read it.
      const missing = new Map<string, { ref: TemplateReference; key: string; paths: string[] }>();
      for (const ref of templateReferences(workload)) {
        if (ref.optional || !ref.keys) continue;
        const object = index.get(ref.kind, workload.metadata.namespace, ref.name);
        const keys = object ? keysOf(object) : undefined;
        if (!keys) continue;
        for (const key of ref.keys) {
          if (keys.has(key)) continue;
          const id = `${ref.kind}/${ref.name}/${key}`;
          const entry = missing.get(id) ?? { ref, key, paths: [] };
          entry.paths.push(ref.path);
          missing.set(id, entry);
        }
      }
      for (const [id, { ref, key, paths }] of missing) {
        const object = index.get(ref.kind, workload.metadata.namespace, ref.name)!;
        const have = [...(keysOf(object) ?? [])].sort();
        drafts.push({
          object: workload,
          detail: id,
          message: `${describe(refOf(workload))} reads key "${key}" of ${ref.kind} ${workload.metadata.namespace}/${ref.name}, which has ${have.length === 0 ? 'no keys' : `only ${have.map((k) => `"${k}"`).join(', ')}`}; its pods cannot start.`,
          evidence: [
            ...paths.map((path) => ({
              type: 'field' as const,
              path,
              value: { name: ref.name, key },
            })),
            { type: 'object', text: `keys of ${ref.kind} ${ref.name}`, value: have },
          ],
          remediation: {
            summary: `Add "${key}" to ${ref.kind} ${ref.name}, or fix the key name; mark the reference optional if the pod can run without it.`,
            steps: [
              `kubectl get ${ref.kind.toLowerCase()} ${ref.name} -n ${workload.metadata.namespace} -o yaml`,
            ],
          },
        });
      }
      return drafts;
    });
  },
};

export const referenceKeyRules: Rule[] = [templateReferenceKeyMissing];
