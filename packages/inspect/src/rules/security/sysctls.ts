import { describe, list, refOf, str } from '../../kube/fields.js';
import { podSpecPath, podTemplateOf } from '../../kube/workloads.js';
import type { Rule } from '../../rule.js';
import { perTemplateWorkload } from '../containers.js';

/** The sysctls the kubelet allows by default: namespaced, and isolated from other pods. */
export const SAFE_SYSCTLS = new Set([
  'kernel.shm_rmid_forced',
  'net.ipv4.ip_local_port_range',
  'net.ipv4.ip_unprivileged_port_start',
  'net.ipv4.ip_local_reserved_ports',
  'net.ipv4.tcp_syncookies',
  'net.ipv4.ping_group_range',
  'net.ipv4.tcp_keepalive_time',
  'net.ipv4.tcp_fin_timeout',
  'net.ipv4.tcp_keepalive_intvl',
  'net.ipv4.tcp_keepalive_probes',
]);

/**
 * kube-linter's unsafe-sysctls: any other sysctl can affect the node or other
 * pods, and a node that does not allow it refuses the pod (SysctlForbidden).
 */
export const unsafeSysctls: Rule = {
  id: 'unsafe-sysctls',
  category: 'security',
  defaultSeverity: 'high',
  title: 'Pod sets unsafe sysctls',
  description:
    'A sysctl outside the safe set can change the kernel for other pods on the node, and kubelets refuse such pods unless explicitly allowed.',
  check(context) {
    return perTemplateWorkload(context, (workload) => {
      const names = list(podTemplateOf(workload)?.spec, 'securityContext', 'sysctls')
        .flatMap((s) => str(s, 'name') ?? [])
        .filter((name) => !SAFE_SYSCTLS.has(name.replaceAll('/', '.')));
      if (names.length === 0) return undefined;
      return {
        object: workload,
        message: `${describe(refOf(workload))} sets the unsafe ${names.length === 1 ? 'sysctl' : 'sysctls'} ${names.join(', ')}.`,
        evidence: [
          { type: 'field', path: `${podSpecPath(workload)}.securityContext.sysctls`, value: names },
        ],
        remediation: {
          summary:
            'Remove the unsafe sysctls, or tune them on dedicated nodes instead of in the pod.',
          steps: [
            'If the workload truly needs one, run it on tainted nodes whose kubelet lists it in --allowed-unsafe-sysctls.',
          ],
        },
      };
    });
  },
};

export const sysctlRules: Rule[] = [unsafeSysctls];
