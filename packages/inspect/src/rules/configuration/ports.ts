import { list, num, str, type Json } from '../../kube/fields.js';
import { containersOf, type ContainerEntry } from '../../kube/workloads.js';
import type { FindingDraft, Rule, RuleContext } from '../../rule.js';
import type { KubeObject } from '../../snapshot.js';
import { containerLabel } from '../containers.js';

export interface DeclaredPort {
  entry: ContainerEntry;
  port: Json;
  /** Evidence path of the port, e.g. spec.containers[web].ports[0]. */
  path: string;
  number: number | undefined;
  name: string | undefined;
  protocol: string;
}

/** Every port the containers of a workload declare, in order. */
export function declaredPorts(workload: KubeObject, init = false): DeclaredPort[] {
  return containersOf(workload, { init }).flatMap((entry) =>
    list(entry.container, 'ports').map((port, i) => ({
      entry,
      port,
      path: `${entry.path}.ports[${i}]`,
      number: num(port, 'containerPort'),
      name: str(port, 'name'),
      protocol: str(port, 'protocol') ?? 'TCP',
    })),
  );
}

/** What the API server accepts as a port name (IANA_SVC_NAME). */
export function validPortName(name: string): boolean {
  return (
    name.length <= 15 &&
    /^[a-z0-9]([a-z0-9-]*[a-z0-9])?$/.test(name) &&
    /[a-z]/.test(name) &&
    !name.includes('--')
  );
}

/** Another container of the same pod, named without repeating the workload. */
const sibling = (entry: ContainerEntry) =>
  `the ${entry.init ? 'init container' : 'container'} "${entry.name}"`;

const portLabel = (p: DeclaredPort) =>
  p.name ? `port "${p.name}" (${p.number ?? 'no number'})` : `port ${p.number ?? '(no number)'}`;

/**
 * kube-score's container-ports-check: a port the API server rejects, or two
 * declarations of one port in the pod. Containers of a pod share one network
 * namespace, so the same number declared twice can bind only once, and a
 * duplicate name makes every reference to it ambiguous.
 */
export const containerPortsCheck: Rule = {
  id: 'container-ports-check',
  category: 'configuration',
  defaultSeverity: 'warning',
  title: 'Container port is invalid or declared twice',
  description:
    'A container port must have a number from 1 to 65535 and a valid, unique name; the containers of a pod share one network namespace, so a port number may be declared only once.',
  check(context) {
    return context.index.templateWorkloads().flatMap(portProblems);
  },
};

function portProblems(workload: KubeObject): FindingDraft[] {
  const out: FindingDraft[] = [];
  const byNumber = new Map<string, DeclaredPort>();
  const byName = new Map<string, DeclaredPort>();
  for (const p of declaredPorts(workload)) {
    const where = `${portLabel(p)} of the ${containerLabel(workload, p.entry)}`;
    const problem = (detail: string, message: string, severity?: 'high') =>
      out.push({
        object: workload,
        detail: `${p.entry.name}/${detail}`,
        ...(severity ? { severity } : {}),
        message,
        evidence: [{ type: 'field', path: p.path, value: p.port }],
        remediation: {
          summary: 'Give every container port a number from 1 to 65535 and a unique, valid name.',
          steps: [
            'Port names are at most 15 lowercase letters, digits and single hyphens, with at least one letter.',
            'Declare a port once per pod: remove the duplicate or give the second process another port.',
          ],
        },
      });
    if (p.number === undefined || !Number.isInteger(p.number) || p.number < 1 || p.number > 65535) {
      problem(
        `number:${String(p.port.containerPort)}`,
        `The ${where} has the containerPort ${JSON.stringify(p.port.containerPort ?? null)}, which is not a port number from 1 to 65535.`,
        'high',
      );
      continue;
    }
    if (p.name !== undefined && !validPortName(p.name)) {
      problem(
        `name:${p.name}`,
        `The ${where} has a name the API server rejects: a port name is at most 15 lowercase letters, digits and single hyphens, with at least one letter.`,
        'high',
      );
    }
    const numberKey = `${p.number}/${p.protocol}`;
    const sameNumber = byNumber.get(numberKey);
    if (sameNumber) {
      problem(
        `duplicate:${numberKey}`,
        sameNumber.entry === p.entry
          ? `The ${where} repeats ${p.protocol} port ${p.number}, which the same container already declares.`
          : `The ${where} repeats ${p.protocol} port ${p.number}, already declared by ${sibling(sameNumber.entry)}; containers of a pod share one network namespace, so only one can bind it.`,
      );
    } else byNumber.set(numberKey, p);
    if (p.name !== undefined) {
      const sameName = byName.get(p.name);
      if (sameName) {
        problem(
          `duplicate-name:${p.name}`,
          `The ${where} reuses the port name "${p.name}" of ${sameName.entry === p.entry ? 'another port of the same container' : sibling(sameName.entry)}, so probes and Services naming it are ambiguous.`,
        );
      } else byName.set(p.name, p);
    }
  }
  return out;
}

/** One finding per declared port that `pick` objects to (system namespaces are left alone). */
function perDeclaredPort(
  context: RuleContext,
  pick: (workload: KubeObject, port: DeclaredPort & { number: number }) => FindingDraft | undefined,
): FindingDraft[] {
  const out: FindingDraft[] = [];
  for (const workload of context.index.templateWorkloads()) {
    if (context.isSystemNamespace(workload.metadata.namespace)) continue;
    for (const p of declaredPorts(workload, true)) {
      if (p.number === undefined) continue;
      const draft = pick(workload, { ...p, number: p.number });
      if (draft) out.push(draft);
    }
  }
  return out;
}

/** kube-linter's privileged-ports: below 1024 a process needs root or NET_BIND_SERVICE to listen. */
export const privilegedPorts: Rule = {
  id: 'privileged-ports',
  category: 'security',
  defaultSeverity: 'warning',
  title: 'Container listens on a privileged port',
  description:
    'Ports below 1024 can only be bound as root or with NET_BIND_SERVICE, so the container needs privileges it should not have.',
  check(context) {
    return perDeclaredPort(context, (workload, p) => {
      if (p.number >= 1024 || p.number < 1) return undefined;
      return {
        object: workload,
        detail: `${p.entry.name}/${p.number}`,
        message: `The ${containerLabel(workload, p.entry)} declares the privileged port ${p.number}; binding it needs root or the NET_BIND_SERVICE capability.`,
        evidence: [{ type: 'field', path: `${p.path}.containerPort`, value: p.number }],
        remediation: {
          summary: 'Listen on a port of 1024 or above and map the well-known port in the Service.',
          steps: [
            'Change the application to listen on e.g. 8080 and set containerPort to it.',
            'Keep the public port in the Service (port: 80, targetPort: 8080).',
          ],
        },
      };
    });
  },
};

/** kube-linter's ssh-port: an SSH server in a container is a way in that bypasses the API's audit trail. */
export const sshPort: Rule = {
  id: 'ssh-port',
  category: 'security',
  defaultSeverity: 'warning',
  title: 'Container exposes SSH',
  description:
    'A container that exposes port 22 runs an SSH server: a way in that bypasses RBAC and the audit log of kubectl exec.',
  check(context) {
    return perDeclaredPort(context, (workload, p) => {
      if (p.number !== 22 || p.protocol !== 'TCP') return undefined;
      return {
        object: workload,
        detail: p.entry.name,
        message: `The ${containerLabel(workload, p.entry)} exposes port 22 (SSH).`,
        evidence: [{ type: 'field', path: `${p.path}.containerPort`, value: 22 }],
        remediation: {
          summary:
            'Remove the SSH server and the port; use kubectl exec or a debug container instead.',
          steps: ['kubectl debug gives a shell in a running pod, under RBAC and audit.'],
        },
      };
    });
  },
};

export const portRules: Rule[] = [containerPortsCheck, privilegedPorts, sshPort];
