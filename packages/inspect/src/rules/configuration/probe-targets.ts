import { isRecord, list, record, str, type Json } from '../../kube/fields.js';
import type { Rule } from '../../rule.js';
import { containerLabel, perTemplateContainer } from '../containers.js';

const HANDLERS = ['httpGet', 'tcpSocket', 'grpc', 'exec'] as const;

/** JSON with keys in a fixed order, so two probes written in another key order still compare equal. */
function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (isRecord(value)) {
    const keys = Object.keys(value).sort();
    return `{${keys.map((k) => `${JSON.stringify(k)}:${canonical(value[k])}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

/** What a probe checks, without its timing: the handler decides what failing means. */
function handlerOf(probe: Json | undefined): string | undefined {
  if (!probe) return undefined;
  const handler = HANDLERS.find((h) => probe[h] !== undefined);
  return handler ? canonical({ [handler]: probe[handler] }) : undefined;
}

/**
 * kube-score's pod-probes-identical: a liveness probe that checks what the
 * readiness probe checks restarts pods that are only busy or waiting for a
 * dependency, turning a slow-down into a restart storm.
 */
export const probesIdentical: Rule = {
  id: 'pod-probes-identical',
  category: 'configuration',
  defaultSeverity: 'warning',
  title: 'Liveness and readiness probes are identical',
  description:
    'When the liveness probe checks the same thing as the readiness probe, a pod that cannot serve for a while is restarted instead of just taken out of the Service.',
  check(context) {
    return perTemplateContainer(context, { skipBatch: true }, (workload, entry) => {
      const liveness = record(entry.container, 'livenessProbe');
      const readiness = record(entry.container, 'readinessProbe');
      const handler = handlerOf(liveness);
      if (handler === undefined || handler !== handlerOf(readiness)) return undefined;
      return {
        object: workload,
        detail: entry.name,
        message: `The ${containerLabel(workload, entry)} has the same liveness and readiness check, so whenever it is not ready it is also restarted.`,
        evidence: [
          { type: 'field', path: `${entry.path}.livenessProbe`, value: liveness },
          { type: 'field', path: `${entry.path}.readinessProbe`, value: readiness },
        ],
        remediation: {
          summary:
            'Let the liveness probe check only that the process works, and the readiness probe that it can serve now.',
          steps: [
            'Point liveness at a cheap endpoint that does not check dependencies (e.g. /healthz).',
            'Point readiness at an endpoint that also fails while dependencies or warm-up are missing (e.g. /readyz).',
          ],
        },
      };
    });
  },
};

type ProbeKind = 'liveness' | 'readiness' | 'startup';

/** The port of a probe's handler: a number or the name of a container port. */
function probePort(probe: Json): number | string | undefined {
  for (const handler of ['httpGet', 'tcpSocket', 'grpc']) {
    const port = record(probe, handler)?.port;
    if (typeof port === 'number' || typeof port === 'string') return port;
  }
  return undefined;
}

/**
 * kube-linter's liveness-port, readiness-port and startup-port: a probe that
 * names a port the container does not declare can never succeed. A number is
 * left alone: a process may listen on ports it does not declare.
 */
function probePortRule(kind: ProbeKind): Rule {
  const key = `${kind}Probe`;
  const effect = {
    liveness: 'the kubelet restarts the container again and again',
    readiness: 'the pod never becomes ready and receives no traffic',
    startup: 'the container is killed before it ever starts',
  }[kind];
  return {
    id: `${kind}-port`,
    category: 'configuration',
    defaultSeverity: 'high',
    title: `The ${kind} probe names a port the container does not declare`,
    description: `A ${kind} probe on a named port that no container port declares always fails, so ${effect}.`,
    check(context) {
      return perTemplateContainer(context, { init: true }, (workload, entry) => {
        const probe = record(entry.container, key);
        const port = probe ? probePort(probe) : undefined;
        if (typeof port !== 'string' || /^[0-9]+$/.test(port)) return undefined;
        const names = list(entry.container, 'ports').flatMap((p) => str(p, 'name') ?? []);
        if (names.includes(port)) return undefined;
        const declared = names.length
          ? `it declares only ${names.map((n) => `"${n}"`).join(', ')}`
          : 'it declares no named port';
        return {
          object: workload,
          detail: entry.name,
          message: `The ${kind} probe of the ${containerLabel(workload, entry)} uses the port "${port}", but ${declared}, so ${effect}.`,
          evidence: [{ type: 'field', path: `${entry.path}.${key}`, value: probe }],
          remediation: {
            summary: `Declare a container port named "${port}", or point the probe at a declared port.`,
            steps: ['Port names in probes resolve against the ports of the same container only.'],
          },
        };
      });
    },
  };
}

export const probeTargetRules: Rule[] = [
  probesIdentical,
  probePortRule('liveness'),
  probePortRule('readiness'),
  probePortRule('startup'),
];
