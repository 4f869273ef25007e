import { bool, field, list, num, str, strings, type Json } from '../../kube/fields.js';
import {
  containerPatch,
  podSpecPatch,
  podSpecPath,
  podTemplateOf,
  type ContainerEntry,
} from '../../kube/workloads.js';
import type { Evidence } from '../../finding.js';
import type { KubeObject } from '../../snapshot.js';
import type { FindingDraft, Rule } from '../../rule.js';
import { containerLabel, perTemplateContainer, perTemplateWorkload } from '../containers.js';
import { describe, refOf } from '../../kube/fields.js';

/** A container setting, falling back to the pod-level securityContext as the kubelet does. */
function effective(workload: KubeObject, entry: ContainerEntry, ...path: string[]): unknown {
  const own = field(entry.container, 'securityContext', ...path);
  return own !== undefined ? own : field(podTemplateOf(workload)?.spec, 'securityContext', ...path);
}

function securityPatch(workload: KubeObject, entry: ContainerEntry, securityContext: Json) {
  return { type: 'strategic' as const, body: containerPatch(workload, entry, { securityContext }) };
}

export const privileged: Rule = {
  id: 'container-privileged',
  category: 'security',
  defaultSeverity: 'critical',
  title: 'Container runs privileged',
  description: 'A privileged container has full access to the node: escaping it is trivial.',
  check(context) {
    return perTemplateContainer(context, { init: true, skipSystem: true }, (workload, entry) => {
      if (bool(entry.container, 'securityContext', 'privileged') !== true) return undefined;
      return {
        object: workload,
        detail: entry.name,
        message: `The ${containerLabel(workload, entry)} runs privileged, with every capability and access to all host devices.`,
        evidence: [
          { type: 'field', path: `${entry.path}.securityContext.privileged`, value: true },
        ],
        remediation: {
          summary: 'Remove privileged and add only the specific capabilities the process needs.',
          steps: [
            'Most workloads need no capabilities at all; device plugins and CNI agents belong in system namespaces.',
          ],
          patch: securityPatch(workload, entry, { privileged: false }),
        },
      };
    });
  },
};

export const privilegeEscalation: Rule = {
  id: 'container-privilege-escalation',
  category: 'security',
  defaultSeverity: 'warning',
  title: 'Container allows privilege escalation',
  description:
    'Without allowPrivilegeEscalation: false, setuid binaries can gain more privileges than the process started with.',
  check(context) {
    return perTemplateContainer(context, { init: true, skipSystem: true }, (workload, entry) => {
      const value = field(entry.container, 'securityContext', 'allowPrivilegeEscalation');
      if (value === false) return undefined;
      return {
        object: workload,
        detail: entry.name,
        message: `The ${containerLabel(workload, entry)} does not set allowPrivilegeEscalation: false${value === true ? ' (it is explicitly true)' : ''}.`,
        evidence: [
          {
            type: 'field',
            path: `${entry.path}.securityContext.allowPrivilegeEscalation`,
            value: value ?? null,
          },
        ],
        remediation: {
          summary: 'Set allowPrivilegeEscalation: false.',
          steps: ['This is required by the Pod Security "restricted" profile.'],
          patch: securityPatch(workload, entry, { allowPrivilegeEscalation: false }),
        },
      };
    });
  },
};

export const runsAsRoot: Rule = {
  id: 'container-runs-as-root',
  category: 'security',
  defaultSeverity: 'warning',
  title: 'Container may run as root',
  description:
    'Neither runAsNonRoot nor a non-zero runAsUser is set, runAsUser is 0, or runAsGroup is 0 (the root group, which owns most system files).',
  check(context) {
    return perTemplateContainer(context, { init: true, skipSystem: true }, (workload, entry) => {
      const user = effective(workload, entry, 'runAsUser');
      const nonRoot = effective(workload, entry, 'runAsNonRoot');
      const group = effective(workload, entry, 'runAsGroup');
      const explicitRoot = user === 0;
      const rootGroup = group === 0;
      const userOk = !explicitRoot && (nonRoot === true || (typeof user === 'number' && user > 0));
      if (userOk && !rootGroup) return undefined;
      const groupText =
        'runs with the root group (runAsGroup: 0), so it can write what root’s group may';
      return {
        object: workload,
        detail: entry.name,
        severity: explicitRoot ? 'high' : 'warning',
        message: userOk
          ? `The ${containerLabel(workload, entry)} ${groupText}.`
          : (explicitRoot
              ? `The ${containerLabel(workload, entry)} is configured to run as root (runAsUser: 0).`
              : `The ${containerLabel(workload, entry)} sets neither runAsNonRoot nor a non-root runAsUser, so it runs as whatever user the image chooses, often root.`) +
            (rootGroup ? ` It also ${groupText}.` : ''),
        evidence: [
          ...(rootGroup
            ? [
                {
                  type: 'field' as const,
                  path: `${entry.path}.securityContext.runAsGroup`,
                  value: 0,
                },
              ]
            : []),
          { type: 'field', path: `${entry.path}.securityContext.runAsUser`, value: user ?? null },
          {
            type: 'field',
            path: `${entry.path}.securityContext.runAsNonRoot`,
            value: nonRoot ?? null,
          },
        ],
        remediation: {
          summary: 'Run as a non-root user: runAsNonRoot: true with a numeric runAsUser.',
          steps: [
            'Build the image with a numeric USER; writable paths must be owned by that user (or use fsGroup).',
          ],
          patch: securityPatch(workload, entry, {
            ...(userOk ? {} : { runAsNonRoot: true, runAsUser: 10001 }),
            ...(rootGroup ? { runAsGroup: 10001 } : {}),
          }),
        },
      };
    });
  },
};

/** Capabilities that amount to root on the node or the network. */
const DANGEROUS_CAPABILITIES = new Set([
  'ALL',
  'SYS_ADMIN',
  'NET_ADMIN',
  'SYS_PTRACE',
  'SYS_MODULE',
  'DAC_READ_SEARCH',
  'NET_RAW',
  'SYS_RAWIO',
  'BPF',
  'PERFMON',
]);

export const capabilities: Rule = {
  id: 'container-capabilities',
  category: 'security',
  defaultSeverity: 'low',
  title: 'Container keeps or adds Linux capabilities',
  description:
    'Containers should drop ALL capabilities and add back only what they need; some additions are as good as root.',
  check(context) {
    return perTemplateContainer(context, { init: true, skipSystem: true }, (workload, entry) => {
      const added = strings(entry.container, 'securityContext', 'capabilities', 'add').map((c) =>
        c.replace(/^CAP_/, ''),
      );
      const dropped = strings(entry.container, 'securityContext', 'capabilities', 'drop');
      const dropsAll = dropped.some((c) => c.toUpperCase() === 'ALL');
      const dangerous = added.filter((c) => DANGEROUS_CAPABILITIES.has(c.toUpperCase()));
      if (added.length === 0 && dropsAll) return undefined;
      const parts: string[] = [];
      if (added.length > 0) parts.push(`adds ${added.join(', ')}`);
      if (!dropsAll) parts.push('does not drop ALL');
      return {
        object: workload,
        detail: entry.name,
        severity: dangerous.length > 0 ? 'high' : added.length > 0 ? 'warning' : 'low',
        message: `The ${containerLabel(workload, entry)} ${parts.join(' and ')}${dangerous.length > 0 ? `; ${dangerous.join(', ')} give near-root power over the node` : ''}.`,
        evidence: [
          {
            type: 'field',
            path: `${entry.path}.securityContext.capabilities`,
            value: field(entry.container, 'securityContext', 'capabilities') ?? null,
          },
        ],
        remediation: {
          summary:
            'Drop ALL capabilities and add back only the ones the process needs (for example NET_BIND_SERVICE).',
          steps: [
            'Binding ports below 1024 is the most common need; listening on a high port avoids it.',
          ],
          patch: securityPatch(workload, entry, {
            capabilities: {
              drop: ['ALL'],
              ...(added.length > 0
                ? { add: added.filter((c) => !DANGEROUS_CAPABILITIES.has(c.toUpperCase())) }
                : {}),
            },
          }),
        },
      };
    });
  },
};

export const hostNamespaces: Rule = {
  id: 'pod-host-namespaces',
  category: 'security',
  defaultSeverity: 'high',
  title: 'Pod shares host namespaces',
  description:
    "hostNetwork, hostPID or hostIPC let the pod see and touch the node's network, processes or shared memory.",
  check(context) {
    return perTemplateWorkload(context, (workload) => {
      const spec = podTemplateOf(workload)?.spec;
      const shared = ['hostNetwork', 'hostPID', 'hostIPC'].filter((k) => bool(spec, k) === true);
      if (shared.length === 0) return undefined;
      return {
        object: workload,
        message: `${describe(refOf(workload))} uses ${shared.join(', ')}, sharing the node's namespaces with the pod.`,
        evidence: shared.map((k) => ({
          type: 'field' as const,
          path: `${podSpecPath(workload)}.${k}`,
          value: true,
        })),
        remediation: {
          summary: `Remove ${shared.join(', ')}; expose ports through a Service instead of the host network.`,
          steps: [
            'Only node agents (CNI, monitoring) need host namespaces, and they belong in a system namespace.',
          ],
          patch: {
            type: 'merge',
            body: podSpecPatch(workload, Object.fromEntries(shared.map((k) => [k, false]))),
          },
        },
      };
    });
  },
};

export const hostPort: Rule = {
  id: 'container-host-port',
  category: 'security',
  defaultSeverity: 'warning',
  title: 'Container binds a host port',
  description:
    "A hostPort exposes the container on the node's address, bypassing NetworkPolicies and limiting scheduling.",
  check(context) {
    return perTemplateContainer(context, { init: true, skipSystem: true }, (workload, entry) => {
      const ports = list(entry.container, 'ports').filter((p) => (num(p, 'hostPort') ?? 0) > 0);
      if (ports.length === 0) return undefined;
      return {
        object: workload,
        detail: entry.name,
        message: `The ${containerLabel(workload, entry)} binds host port ${ports.map((p) => num(p, 'hostPort')).join(', ')} on its node.`,
        evidence: ports.map((p) => ({
          type: 'field' as const,
          path: `${entry.path}.ports`,
          value: p,
        })),
        remediation: {
          summary:
            'Remove hostPort and expose the container through a Service (NodePort or LoadBalancer if needed).',
          steps: [],
        },
      };
    });
  },
};

/** Host paths that hand over the node when writable. */
const SENSITIVE_HOST_PATHS = [
  /^\/$/,
  /^\/etc(\/|$)/,
  /^\/var\/run\/docker\.sock$/,
  /^\/run\/containerd/,
  /^\/var\/lib\/kubelet/,
  /^\/proc(\/|$)/,
  /^\/root(\/|$)/,
];

export const writableHostPath: Rule = {
  id: 'pod-hostpath-writable',
  category: 'security',
  defaultSeverity: 'high',
  title: 'Pod mounts a host path writable',
  description:
    'A writable hostPath lets the container change files on the node, which often leads to taking over the node.',
  check(context) {
    return perTemplateWorkload(context, (workload): FindingDraft | undefined => {
      const spec = podTemplateOf(workload)?.spec;
      const hostVolumes = new Map<string, string>();
      for (const volume of list(spec, 'volumes')) {
        const path = str(volume, 'hostPath', 'path');
        if (path !== undefined) hostVolumes.set(str(volume, 'name') ?? '', path);
      }
      if (hostVolumes.size === 0) return undefined;
      const evidence: Evidence[] = [];
      const paths: string[] = [];
      for (const key of ['initContainers', 'containers']) {
        for (const container of list(spec, key)) {
          for (const mount of list(container, 'volumeMounts')) {
            const path = hostVolumes.get(str(mount, 'name') ?? '');
            if (path === undefined || bool(mount, 'readOnly') === true) continue;
            paths.push(path);
            evidence.push({
              type: 'field',
              path: `${podSpecPath(workload)}.${key}[${str(container, 'name')}].volumeMounts[${str(mount, 'name')}]`,
              value: { hostPath: path, readOnly: false },
            });
          }
        }
      }
      if (paths.length === 0) return undefined;
      const sensitive = paths.some((p) => SENSITIVE_HOST_PATHS.some((r) => r.test(p)));
      return {
        object: workload,
        severity: sensitive ? 'critical' : 'high',
        message: `${describe(refOf(workload))} mounts host path ${[...new Set(paths)].join(', ')} writable${sensitive ? ', which gives control of the node' : ''}.`,
        evidence,
        remediation: {
          summary:
            'Mount host paths readOnly: true, or use a PersistentVolume or emptyDir instead.',
          steps: [
            'If the workload is a node agent, run it in a system namespace and review it explicitly.',
          ],
        },
      };
    });
  },
};

export const writableRootFilesystem: Rule = {
  id: 'container-writable-root-fs',
  category: 'security',
  defaultSeverity: 'low',
  title: 'Container root filesystem is writable',
  description:
    'A read-only root filesystem stops an intruder from dropping tools or changing binaries in the container.',
  check(context) {
    return perTemplateContainer(context, { init: true, skipSystem: true }, (workload, entry) => {
      if (bool(entry.container, 'securityContext', 'readOnlyRootFilesystem') === true)
        return undefined;
      return {
        object: workload,
        detail: entry.name,
        message: `The ${containerLabel(workload, entry)} has a writable root filesystem.`,
        evidence: [
          {
            type: 'field',
            path: `${entry.path}.securityContext.readOnlyRootFilesystem`,
            value: field(entry.container, 'securityContext', 'readOnlyRootFilesystem') ?? null,
          },
        ],
        remediation: {
          summary:
            'Set readOnlyRootFilesystem: true and mount an emptyDir where the application writes (e.g. /tmp).',
          steps: [],
          patch: securityPatch(workload, entry, { readOnlyRootFilesystem: true }),
        },
      };
    });
  },
};

export const seccomp: Rule = {
  id: 'pod-seccomp-missing',
  category: 'security',
  defaultSeverity: 'warning',
  title: 'No seccomp profile',
  description:
    'Without the RuntimeDefault seccomp profile every system call is available to the container.',
  check(context) {
    return perTemplateContainer(context, { init: true, skipSystem: true }, (workload, entry) => {
      const type = effective(workload, entry, 'seccompProfile', 'type');
      if (type === 'RuntimeDefault' || type === 'Localhost') return undefined;
      return {
        object: workload,
        detail: entry.name,
        severity: type === 'Unconfined' ? 'high' : 'warning',
        message:
          type === 'Unconfined'
            ? `The ${containerLabel(workload, entry)} explicitly runs with seccomp Unconfined.`
            : `The ${containerLabel(workload, entry)} has no seccomp profile (neither the container nor the pod sets one).`,
        evidence: [
          {
            type: 'field',
            path: `${entry.path}.securityContext.seccompProfile`,
            value: type ?? null,
          },
        ],
        remediation: {
          summary: 'Set seccompProfile.type: RuntimeDefault in the pod securityContext.',
          steps: [],
          patch: {
            type: 'strategic',
            body: podSpecPatch(workload, {
              securityContext: { seccompProfile: { type: 'RuntimeDefault' } },
            }),
          },
        },
      };
    });
  },
};

export const tokenAutomount: Rule = {
  id: 'pod-sa-token-automount',
  category: 'security',
  defaultSeverity: 'low',
  title: 'Service account token is mounted',
  description:
    'Pods that do not call the Kubernetes API should not carry a token an intruder can use.',
  check(context) {
    return perTemplateWorkload(context, (workload) => {
      const spec = podTemplateOf(workload)?.spec;
      const podSetting = bool(spec, 'automountServiceAccountToken');
      const accountName = str(spec, 'serviceAccountName') ?? 'default';
      const account = context.index.get('ServiceAccount', workload.metadata.namespace, accountName);
      const accountSetting = bool(account, 'automountServiceAccountToken');
      if (podSetting === false || (podSetting === undefined && accountSetting === false))
        return undefined;
      return {
        object: workload,
        message: `${describe(refOf(workload))} mounts the token of service account "${accountName}" automatically.`,
        evidence: [
          {
            type: 'field',
            path: `${podSpecPath(workload)}.automountServiceAccountToken`,
            value: podSetting ?? null,
          },
        ],
        remediation: {
          summary:
            'Set automountServiceAccountToken: false unless the application calls the Kubernetes API.',
          steps: [],
          patch: {
            type: 'merge',
            body: podSpecPatch(workload, { automountServiceAccountToken: false }),
          },
        },
      };
    });
  },
};

export const defaultServiceAccount: Rule = {
  id: 'pod-default-service-account',
  category: 'security',
  defaultSeverity: 'low',
  title: 'Pod uses the default service account',
  description:
    'Every pod in the namespace shares the default account, so permissions granted to it leak to all of them.',
  check(context) {
    return perTemplateWorkload(context, (workload) => {
      const spec = podTemplateOf(workload)?.spec;
      const name = str(spec, 'serviceAccountName') ?? str(spec, 'serviceAccount');
      if (name !== undefined && name !== 'default') return undefined;
      return {
        object: workload,
        message: `${describe(refOf(workload))} runs as the namespace's default service account.`,
        evidence: [
          {
            type: 'field',
            path: `${podSpecPath(workload)}.serviceAccountName`,
            value: name ?? null,
          },
        ],
        remediation: {
          summary: 'Create a dedicated ServiceAccount for the workload and set serviceAccountName.',
          steps: [],
        },
      };
    });
  },
};

export const podSecurityRules: Rule[] = [
  privileged,
  privilegeEscalation,
  runsAsRoot,
  capabilities,
  hostNamespaces,
  hostPort,
  writableHostPath,
  writableRootFilesystem,
  seccomp,
  tokenAutomount,
  defaultServiceAccount,
];
