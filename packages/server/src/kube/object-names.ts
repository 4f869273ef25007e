import type { ApiResource } from '@kubeops/contracts';
import { invalidInput } from '../core/errors.js';

const LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const DNS1035_LABEL = /^[a-z]([-a-z0-9]*[a-z0-9])?$/;
const SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

/** Kinds whose names Kubernetes checks only as path segments (RBAC names such as `system:node`). */
const PATH_SEGMENT_KINDS = new Set([
  'rbac.authorization.k8s.io/roles',
  'rbac.authorization.k8s.io/clusterroles',
  'rbac.authorization.k8s.io/rolebindings',
  'rbac.authorization.k8s.io/clusterrolebindings',
  'certificates.k8s.io/certificatesigningrequests',
]);

type Rule = { test: (name: string) => boolean; says: string };

const rules: Record<'label' | 'dns1035' | 'subdomain' | 'segment', Rule> = {
  label: {
    test: (n) => n.length <= 63 && LABEL.test(n),
    says: 'must be a DNS-1123 label: at most 63 lower-case letters, digits and "-", starting and ending with a letter or digit',
  },
  dns1035: {
    test: (n) => n.length <= 63 && DNS1035_LABEL.test(n),
    says: 'must be a DNS-1035 label: at most 63 lower-case letters, digits and "-", starting with a letter',
  },
  subdomain: {
    test: (n) => n.length <= 253 && SUBDOMAIN.test(n),
    says: 'must be a DNS-1123 subdomain: lower-case letters, digits, "-" and ".", at most 253',
  },
  segment: {
    test: (n) => n.length > 0 && n !== '.' && n !== '..' && !/[/%]/.test(n),
    says: 'must not be "." or ".." and must not contain "/" or "%"',
  },
};

/** The rule the API server applies to names of a kind (apimachinery's validation per kind). */
function ruleFor(resource: Pick<ApiResource, 'group' | 'resource'>): Rule {
  if (resource.group === '' && resource.resource === 'namespaces') return rules.label;
  if (resource.group === '' && resource.resource === 'services') return rules.dns1035;
  if (PATH_SEGMENT_KINDS.has(`${resource.group}/${resource.resource}`)) return rules.segment;
  return rules.subdomain;
}

/**
 * Refuses (400 naming `field`) a name the cluster could never hold for this
 * kind. Every rule also keeps the name a single path segment, so no name can
 * turn an object's URL into its collection's or another's.
 */
export function assertObjectName(
  resource: Pick<ApiResource, 'group' | 'resource'>,
  name: string,
  field: string,
): void {
  if (!rules.segment.test(name)) throw invalidInput(field, rules.segment.says);
  const rule = ruleFor(resource);
  if (!rule.test(name)) throw invalidInput(field, rule.says);
}

export function assertNamespaceName(namespace: string, field: string): void {
  if (!rules.label.test(namespace)) throw invalidInput(field, rules.label.says);
}
