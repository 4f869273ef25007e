import { field, list, num, type Json } from '../../kube/fields.js';
import { containerPatch } from '../../kube/workloads.js';
import type { Rule } from '../../rule.js';
import { containerLabel, perTemplateContainer } from '../containers.js';

function suggestedProbe(container: Json): Json | undefined {
  const port = list(container, 'ports')[0];
  const number = num(port, 'containerPort');
  if (number === undefined) return undefined;
  return { tcpSocket: { port: number }, periodSeconds: 10, failureThreshold: 3 };
}

function probeRule(kind: 'liveness' | 'readiness'): Rule {
  const key = `${kind}Probe`;
  const why =
    kind === 'liveness'
      ? 'a hung process is never restarted'
      : 'traffic reaches the pod before it can serve and during shutdown';
  return {
    id: `container-${kind}-probe-missing`,
    category: 'configuration',
    defaultSeverity: 'warning',
    title: `Container has no ${kind} probe`,
    description: `Without a ${kind} probe, ${why}.`,
    check(context) {
      return perTemplateContainer(context, { skipBatch: true }, (workload, entry) => {
        if (field(entry.container, key) !== undefined) return undefined;
        const probe = suggestedProbe(entry.container);
        return {
          object: workload,
          detail: entry.name,
          message: `The ${containerLabel(workload, entry)} has no ${kind} probe, so ${why}.`,
          evidence: [{ type: 'field', path: `${entry.path}.${key}`, value: null }],
          remediation: {
            summary: `Add a ${kind} probe that checks the application itself.`,
            steps: [
              kind === 'liveness'
                ? 'Probe a cheap endpoint that fails only when the process must be restarted; do not check dependencies.'
                : 'Probe an endpoint that fails while the application cannot serve requests.',
            ],
            ...(probe
              ? {
                  patch: {
                    type: 'strategic' as const,
                    body: containerPatch(workload, entry, { [key]: probe }),
                  },
                }
              : {}),
          },
        };
      });
    },
  };
}

export const probeRules: Rule[] = [probeRule('liveness'), probeRule('readiness')];
