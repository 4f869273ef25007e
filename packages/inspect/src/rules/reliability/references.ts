import { describe, field, list, nameOf, refOf, str } from '../../kube/fields.js';
import { templateReferences } from '../../kube/references.js';
import type { FindingDraft, Rule } from '../../rule.js';

export const templateReferenceMissing: Rule = {
  id: 'workload-reference-missing',
  category: 'reliability',
  defaultSeverity: 'high',
  title: 'Workload refers to an object that does not exist',
  description:
    'A pod template names a ConfigMap, Secret, PersistentVolumeClaim or ServiceAccount that is missing, so its pods cannot start.',
  check({ index }) {
    return index.templateWorkloads().flatMap((workload) => {
      const missing = templateReferences(workload).filter(
        (r) =>
          !r.optional &&
          index.canTellMissing(r.kind) &&
          !index.get(r.kind, workload.metadata.namespace, r.name),
      );
      if (missing.length === 0) return [];
      // One finding per missing object, however many places name it.
      const seen = new Map<string, typeof missing>();
      for (const ref of missing)
        seen.set(`${ref.kind}/${ref.name}`, [...(seen.get(`${ref.kind}/${ref.name}`) ?? []), ref]);
      return [...seen.values()].map((refs): FindingDraft => {
        const { kind, name } = refs[0]!;
        return {
          object: workload,
          detail: `${kind}/${name}`,
          message: `${describe(refOf(workload))} refers to ${kind} "${name}", which does not exist in namespace ${workload.metadata.namespace}; its pods cannot start.`,
          evidence: refs.map((r) => ({ type: 'field' as const, path: r.path, value: r.name })),
          remediation: {
            summary: `Create ${kind} "${name}" or fix the name; mark it optional if the pod can run without it.`,
            steps: [`kubectl get ${kind.toLowerCase()} -n ${workload.metadata.namespace}`],
          },
        };
      });
    });
  },
};

/** ConfigMaps every cluster creates in each namespace, and ones components read by name. */
const WELL_KNOWN_CONFIGMAPS = new Set(['kube-root-ca.crt', 'istio-ca-root-cert']);

export const configMapUnused: Rule = {
  id: 'configmap-unused',
  category: 'reliability',
  defaultSeverity: 'info',
  title: 'ConfigMap is not used by any workload',
  description:
    'No pod template refers to the ConfigMap; it may be left over, or a workload may refer to the wrong name.',
  check(context) {
    const { index } = context;
    const used = new Set<string>();
    for (const workload of index.templateWorkloads()) {
      for (const ref of templateReferences(workload)) {
        if (ref.kind === 'ConfigMap') used.add(`${workload.metadata.namespace}/${ref.name}`);
      }
    }
    return index.ofKind('ConfigMap').flatMap((configMap): FindingDraft[] => {
      const namespace = configMap.metadata.namespace;
      if (context.isSystemNamespace(namespace) || WELL_KNOWN_CONFIGMAPS.has(nameOf(configMap)))
        return [];
      // Controllers own ConfigMaps for their own state (leader election, Helm releases).
      if ((configMap.metadata.ownerReferences ?? []).length > 0) return [];
      if (used.has(`${namespace}/${nameOf(configMap)}`)) return [];
      return [
        {
          object: configMap,
          message: `${describe(refOf(configMap))} is not referenced by any workload in the namespace.`,
          evidence: [{ type: 'object', text: `0 pod templates in ${namespace} refer to it` }],
          remediation: {
            summary:
              'Delete it if it is left over; if a workload should use it, check the name in the workload.',
            steps: [],
          },
        },
      ];
    });
  },
};

/** Gateway API routes whose parent Gateway or backend Service is missing. */
export const routeReferenceMissing: Rule = {
  id: 'gateway-route-reference-missing',
  category: 'reliability',
  defaultSeverity: 'high',
  title: 'Route refers to a missing Gateway or Service',
  description:
    'An HTTPRoute or GRPCRoute names a parent Gateway or a backend Service that does not exist.',
  check({ index }) {
    return index.ofKind('HTTPRoute', 'GRPCRoute', 'TLSRoute', 'TCPRoute').flatMap((route) => {
      const drafts: FindingDraft[] = [];
      const namespace = route.metadata.namespace;
      for (const parent of list(route, 'spec', 'parentRefs')) {
        const kind = str(parent, 'kind') ?? 'Gateway';
        const name = str(parent, 'name') ?? '';
        const ns = str(parent, 'namespace') ?? namespace;
        if (
          kind !== 'Gateway' ||
          !index.canTellMissing('Gateway') ||
          index.get('Gateway', ns, name)
        )
          continue;
        drafts.push({
          object: route,
          detail: `Gateway/${ns}/${name}`,
          message: `${describe(refOf(route))} attaches to Gateway ${ns}/${name}, which does not exist, so it receives no traffic.`,
          evidence: [{ type: 'field', path: 'spec.parentRefs', value: parent }],
          remediation: {
            summary: 'Point parentRefs at an existing Gateway.',
            steps: ['kubectl get gateways -A'],
          },
        });
      }
      list(route, 'spec', 'rules').forEach((rule, i) => {
        for (const backend of list(rule, 'backendRefs')) {
          const kind = str(backend, 'kind') ?? 'Service';
          const name = str(backend, 'name') ?? '';
          const ns = str(backend, 'namespace') ?? namespace;
          if (
            kind !== 'Service' ||
            !index.canTellMissing('Service') ||
            index.get('Service', ns, name)
          )
            continue;
          drafts.push({
            object: route,
            detail: `Service/${ns}/${name}`,
            message: `${describe(refOf(route))} sends traffic to Service ${ns}/${name}, which does not exist.`,
            evidence: [
              {
                type: 'field',
                path: `spec.rules[${i}].backendRefs`,
                value: field(backend, 'name'),
              },
            ],
            remediation: {
              summary: 'Point backendRefs at an existing Service, or create it.',
              steps: [],
            },
          });
        }
      });
      return drafts;
    });
  },
};

export const referenceRules: Rule[] = [
  templateReferenceMissing,
  configMapUnused,
  routeReferenceMissing,
];
