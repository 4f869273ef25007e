import { bool, condition, conditionsOf, describe, refOf } from '../../kube/fields.js';
import type { Rule } from '../../rule.js';

export const nodeNotReady: Rule = {
  id: 'node-not-ready',
  category: 'reliability',
  defaultSeverity: 'critical',
  title: 'Node is not ready',
  description: 'The node reports NotReady or has stopped reporting; its pods are being lost.',
  check({ index }) {
    return index.ofKind('Node').flatMap((node) => {
      const ready = condition(node, 'Ready');
      if (!ready || ready.status === 'True') return [];
      const unknown = ready.status === 'Unknown';
      return [
        {
          object: node,
          message: `${describe(refOf(node))} is ${unknown ? 'not reporting (Ready=Unknown)' : 'NotReady'}: ${ready.message ?? ready.reason ?? 'no message'}`,
          evidence: [{ type: 'field', path: 'status.conditions[Ready]', value: ready }],
          remediation: {
            summary: 'Restore the kubelet and container runtime on the node, or replace the node.',
            steps: [
              'Check the kubelet service and its logs on the node (journalctl -u kubelet).',
              'Check the node network can reach the API server.',
              `If the node is gone: kubectl drain ${node.metadata.name} --ignore-daemonsets && kubectl delete node ${node.metadata.name}`,
            ],
          },
        },
      ];
    });
  },
};

const PRESSURES = ['MemoryPressure', 'DiskPressure', 'PIDPressure', 'NetworkUnavailable'];

export const nodePressure: Rule = {
  id: 'node-pressure',
  category: 'reliability',
  defaultSeverity: 'high',
  title: 'Node is under resource pressure',
  description:
    'The node reports memory, disk or PID pressure (or no network); the kubelet will evict pods.',
  check({ index }) {
    return index.ofKind('Node').flatMap((node) =>
      conditionsOf(node)
        .filter((c) => PRESSURES.includes(c.type) && c.status === 'True')
        .map((c) => ({
          object: node,
          detail: c.type,
          message: `${describe(refOf(node))} reports ${c.type}: ${c.message ?? c.reason ?? 'no message'}`,
          evidence: [{ type: 'field' as const, path: `status.conditions[${c.type}]`, value: c }],
          remediation: {
            summary:
              c.type === 'DiskPressure'
                ? 'Free disk on the node (unused images, logs, emptyDir usage) or grow the disk.'
                : c.type === 'NetworkUnavailable'
                  ? 'Fix the network plugin on the node.'
                  : 'Reduce what runs on the node: set requests close to usage and move pods elsewhere.',
            steps: [
              `kubectl describe node ${node.metadata.name}`,
              'Check which pods use the most of the resource: kubectl top pods -A --sort-by=memory',
              ...(bool(node, 'spec', 'unschedulable')
                ? []
                : ['Consider cordoning the node until it recovers.']),
            ],
          },
        })),
    );
  },
};

export const nodeRules: Rule[] = [nodeNotReady, nodePressure];
