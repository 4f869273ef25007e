import { describe, refOf } from '../kube/fields.js';
import { containersOf, type ContainerEntry } from '../kube/workloads.js';
import type { FindingDraft, RuleContext } from '../rule.js';
import type { KubeObject } from '../snapshot.js';

/**
 * Runs `pick` on every container of every top-level workload template. Pods
 * owned by a controller are judged through that controller, so the finding
 * names the object a person would edit.
 */
export function perTemplateContainer(
  context: RuleContext,
  options: { init?: boolean; skipBatch?: boolean; skipSystem?: boolean },
  pick: (workload: KubeObject, entry: ContainerEntry) => FindingDraft | undefined,
): FindingDraft[] {
  const out: FindingDraft[] = [];
  for (const workload of context.index.templateWorkloads()) {
    if (options.skipBatch && (workload.kind === 'Job' || workload.kind === 'CronJob')) continue;
    if (options.skipSystem && context.isSystemNamespace(workload.metadata.namespace)) continue;
    for (const entry of containersOf(workload, { init: options.init ?? false })) {
      const draft = pick(workload, entry);
      if (draft) out.push(draft);
    }
  }
  return out;
}

/** `container "app" of Deployment shop/web` */
/** Runs `pick` once per top-level workload (pod-level settings). */
export function perTemplateWorkload(
  context: RuleContext,
  pick: (workload: KubeObject) => FindingDraft | undefined,
): FindingDraft[] {
  const out: FindingDraft[] = [];
  for (const workload of context.index.templateWorkloads()) {
    if (context.isSystemNamespace(workload.metadata.namespace)) continue;
    const draft = pick(workload);
    if (draft) out.push(draft);
  }
  return out;
}

export function containerLabel(workload: KubeObject, entry: ContainerEntry): string {
  return `${entry.init ? 'init container' : 'container'} "${entry.name}" of ${describe(refOf(workload))}`;
}
