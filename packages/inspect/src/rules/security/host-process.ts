import { field } from '../../kube/fields.js';
import { containerPatch, podSpecPatch, podSpecPath, podTemplateOf } from '../../kube/workloads.js';
import type { FindingDraft, Rule } from '../../rule.js';
import { containerLabel, perTemplateContainer } from '../containers.js';

/**
 * Polaris's hostProcess: a Windows HostProcess container runs as a process
 * on the node itself, with the node's network and file system: Windows'
 * equivalent of a privileged container.
 */
export const containerHostProcess: Rule = {
  id: 'container-host-process',
  category: 'security',
  defaultSeverity: 'critical',
  title: 'Windows container runs as a HostProcess',
  description:
    'windowsOptions.hostProcess runs the container directly on the Windows node with full access to it.',
  check(context) {
    return perTemplateContainer(
      context,
      { init: true, skipSystem: true },
      (workload, entry): FindingDraft | undefined => {
        const own = field(entry.container, 'securityContext', 'windowsOptions', 'hostProcess');
        const pod = field(
          podTemplateOf(workload)?.spec,
          'securityContext',
          'windowsOptions',
          'hostProcess',
        );
        // The container's own setting wins; the pod's applies to containers that set none.
        if ((own ?? pod) !== true) return undefined;
        const fromPod = own === undefined;
        return {
          object: workload,
          detail: entry.name,
          message: `The ${containerLabel(workload, entry)} runs as a Windows HostProcess${fromPod ? ' (set for the whole pod)' : ''}, directly on the node.`,
          evidence: [
            {
              type: 'field',
              path: fromPod
                ? `${podSpecPath(workload)}.securityContext.windowsOptions.hostProcess`
                : `${entry.path}.securityContext.windowsOptions.hostProcess`,
              value: true,
            },
          ],
          remediation: {
            summary:
              'Run it as an ordinary Windows container; node agents belong in a system namespace.',
            steps: ['The Pod Security baseline profile rejects HostProcess pods.'],
            patch: {
              type: fromPod ? 'merge' : 'strategic',
              body: fromPod
                ? podSpecPatch(workload, {
                    securityContext: { windowsOptions: { hostProcess: false } },
                  })
                : containerPatch(workload, entry, {
                    securityContext: { windowsOptions: { hostProcess: false } },
                  }),
            },
          },
        };
      },
    );
  },
};

export const hostProcessRules: Rule[] = [containerHostProcess];
