import { field } from '../../kube/fields.js';
import { containerPatch } from '../../kube/workloads.js';
import type { Rule } from '../../rule.js';
import { containerLabel, perTemplateContainer } from '../containers.js';

/**
 * Polaris's procMount: with procMount Unmasked the container sees /proc
 * without the runtime's masked and read-only paths, which exposes kernel
 * and host information and helps a breakout.
 */
export const containerProcMountUnmasked: Rule = {
  id: 'container-proc-mount-unmasked',
  category: 'security',
  defaultSeverity: 'high',
  title: 'Container mounts /proc unmasked',
  description:
    'securityContext.procMount other than Default removes the masking of sensitive /proc paths; only nested container runtimes need it.',
  check(context) {
    return perTemplateContainer(context, { init: true, skipSystem: true }, (workload, entry) => {
      const procMount = field(entry.container, 'securityContext', 'procMount');
      if (procMount === undefined || procMount === 'Default') return undefined;
      return {
        object: workload,
        detail: entry.name,
        message: `The ${containerLabel(workload, entry)} sets procMount ${String(procMount)}, so /proc is not masked.`,
        evidence: [
          { type: 'field', path: `${entry.path}.securityContext.procMount`, value: procMount },
        ],
        remediation: {
          summary: 'Remove procMount or set it to Default.',
          steps: ['The Pod Security baseline profile rejects any other value.'],
          patch: {
            type: 'strategic',
            body: containerPatch(workload, entry, { securityContext: { procMount: 'Default' } }),
          },
        },
      };
    });
  },
};

export const procMountRules: Rule[] = [containerProcMountUnmasked];
