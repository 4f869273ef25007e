import { annotationsOf, describe, refOf } from '../../kube/fields.js';
import type { FindingDraft, Rule } from '../../rule.js';

interface Removal {
  removedIn: string;
  replacement: string;
}

/** Served API versions that Kubernetes removed, with where the kind moved. */
const REMOVED: Record<string, Removal> = {};
function removed(apiVersion: string, kinds: string[], removedIn: string, replacement: string) {
  for (const kind of kinds) REMOVED[`${apiVersion}/${kind}`] = { removedIn, replacement };
}
removed('extensions/v1beta1', ['Deployment', 'DaemonSet', 'ReplicaSet'], '1.16', 'apps/v1');
removed('extensions/v1beta1', ['NetworkPolicy'], '1.16', 'networking.k8s.io/v1');
removed(
  'extensions/v1beta1',
  ['PodSecurityPolicy'],
  '1.16',
  'policy/v1beta1 (itself removed in 1.25)',
);
removed('extensions/v1beta1', ['Ingress'], '1.22', 'networking.k8s.io/v1');
for (const v of ['apps/v1beta1', 'apps/v1beta2']) {
  removed(v, ['Deployment', 'StatefulSet', 'DaemonSet', 'ReplicaSet'], '1.16', 'apps/v1');
}
removed('networking.k8s.io/v1beta1', ['Ingress', 'IngressClass'], '1.22', 'networking.k8s.io/v1');
removed(
  'rbac.authorization.k8s.io/v1beta1',
  ['Role', 'ClusterRole', 'RoleBinding', 'ClusterRoleBinding'],
  '1.22',
  'rbac.authorization.k8s.io/v1',
);
removed(
  'admissionregistration.k8s.io/v1beta1',
  ['ValidatingWebhookConfiguration', 'MutatingWebhookConfiguration'],
  '1.22',
  'admissionregistration.k8s.io/v1',
);
removed(
  'apiextensions.k8s.io/v1beta1',
  ['CustomResourceDefinition'],
  '1.22',
  'apiextensions.k8s.io/v1',
);
removed('apiregistration.k8s.io/v1beta1', ['APIService'], '1.22', 'apiregistration.k8s.io/v1');
removed(
  'certificates.k8s.io/v1beta1',
  ['CertificateSigningRequest'],
  '1.22',
  'certificates.k8s.io/v1',
);
removed('coordination.k8s.io/v1beta1', ['Lease'], '1.22', 'coordination.k8s.io/v1');
removed('scheduling.k8s.io/v1beta1', ['PriorityClass'], '1.22', 'scheduling.k8s.io/v1');
removed(
  'storage.k8s.io/v1beta1',
  ['CSIDriver', 'CSINode', 'StorageClass', 'VolumeAttachment'],
  '1.22',
  'storage.k8s.io/v1',
);
removed('batch/v1beta1', ['CronJob'], '1.25', 'batch/v1');
removed('discovery.k8s.io/v1beta1', ['EndpointSlice'], '1.25', 'discovery.k8s.io/v1');
removed('events.k8s.io/v1beta1', ['Event'], '1.25', 'events.k8s.io/v1');
removed('autoscaling/v2beta1', ['HorizontalPodAutoscaler'], '1.25', 'autoscaling/v2');
removed('policy/v1beta1', ['PodDisruptionBudget'], '1.25', 'policy/v1');
removed(
  'policy/v1beta1',
  ['PodSecurityPolicy'],
  '1.25',
  'Pod Security Admission (namespace labels); PodSecurityPolicy has no successor',
);
removed('node.k8s.io/v1beta1', ['RuntimeClass'], '1.25', 'node.k8s.io/v1');
removed('autoscaling/v2beta2', ['HorizontalPodAutoscaler'], '1.26', 'autoscaling/v2');
removed(
  'flowcontrol.apiserver.k8s.io/v1beta1',
  ['FlowSchema', 'PriorityLevelConfiguration'],
  '1.26',
  'flowcontrol.apiserver.k8s.io/v1',
);
removed('storage.k8s.io/v1beta1', ['CSIStorageCapacity'], '1.27', 'storage.k8s.io/v1');
removed(
  'flowcontrol.apiserver.k8s.io/v1beta2',
  ['FlowSchema', 'PriorityLevelConfiguration'],
  '1.29',
  'flowcontrol.apiserver.k8s.io/v1',
);
removed(
  'flowcontrol.apiserver.k8s.io/v1beta3',
  ['FlowSchema', 'PriorityLevelConfiguration'],
  '1.32',
  'flowcontrol.apiserver.k8s.io/v1',
);

/** Kinds that ever had a removed version; other objects (pods above all) need no look. */
const KINDS_WITH_REMOVALS = new Set(
  Object.keys(REMOVED).map((key) => key.slice(key.lastIndexOf('/') + 1)),
);

export function removalOf(apiVersion: string, kind: string): Removal | undefined {
  return REMOVED[`${apiVersion}/${kind}`];
}

const LAST_APPLIED = 'kubectl.kubernetes.io/last-applied-configuration';

/** The version the object was written in: live objects remember it in kubectl's last-applied annotation. */
function declaredVersion(
  apiVersion: string,
  annotations: Record<string, string>,
): { version: string; from: string } {
  const lastApplied = annotations[LAST_APPLIED];
  if (lastApplied) {
    try {
      const parsed = JSON.parse(lastApplied) as { apiVersion?: unknown };
      if (typeof parsed.apiVersion === 'string' && parsed.apiVersion !== apiVersion) {
        return { version: parsed.apiVersion, from: `metadata.annotations[${LAST_APPLIED}]` };
      }
    } catch {
      // A malformed annotation says nothing about the version.
    }
  }
  return { version: apiVersion, from: 'apiVersion' };
}

export const deprecatedApi: Rule = {
  id: 'api-deprecated',
  category: 'configuration',
  defaultSeverity: 'high',
  title: 'Object uses a removed API version',
  description:
    'The manifest uses an API version that current Kubernetes no longer serves; applying it fails after an upgrade.',
  check({ index }) {
    const out: FindingDraft[] = [];
    for (const object of index.snapshot.objects) {
      if (!KINDS_WITH_REMOVALS.has(object.kind)) continue;
      const declared = declaredVersion(object.apiVersion, annotationsOf(object));
      const removal = removalOf(declared.version, object.kind);
      if (!removal) continue;
      out.push({
        object,
        detail: declared.version,
        message: `${describe(refOf(object))} is written as ${declared.version}, which was removed in Kubernetes ${removal.removedIn}; use ${removal.replacement}.`,
        evidence: [{ type: 'field', path: declared.from, value: declared.version }],
        remediation: {
          summary: `Rewrite the manifest for ${removal.replacement}.`,
          steps: [
            'Update the source manifest or chart, not only the live object.',
            'kubectl convert (plugin) rewrites most manifests; check fields that changed shape (for Ingress: backend.service.name/port).',
          ],
        },
      });
    }
    return out;
  },
};

export const apiVersionRules: Rule[] = [deprecatedApi];
