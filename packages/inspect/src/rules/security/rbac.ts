import {
  describe,
  labelsOf,
  list,
  nameOf,
  refOf,
  str,
  strings,
  type Json,
} from '../../kube/fields.js';
import type { SnapshotIndex } from '../../snapshot-index.js';
import type { KubeObject } from '../../snapshot.js';
import type { FindingDraft, Rule, RuleContext } from '../../rule.js';

/** Objects Kubernetes itself creates and reconciles; reporting them helps nobody. */
function isBuiltIn(object: KubeObject): boolean {
  return (
    nameOf(object).startsWith('system:') ||
    labelsOf(object)['kubernetes.io/bootstrapping'] === 'rbac-defaults'
  );
}

/** The default user-facing roles, wildcards by design. */
const DEFAULT_ROLES = new Set(['cluster-admin', 'admin', 'edit', 'view']);

function isDefaultRole(role: KubeObject): boolean {
  return role.kind === 'ClusterRole' && DEFAULT_ROLES.has(nameOf(role));
}

interface Subject {
  kind: string;
  name: string;
  namespace?: string;
}

function subjectsOf(binding: KubeObject, context: RuleContext): Subject[] {
  return list(binding, 'subjects')
    .map((s) => ({
      kind: str(s, 'kind') ?? '',
      name: str(s, 'name') ?? '',
      namespace: str(s, 'namespace'),
    }))
    .filter((s) => !s.name.startsWith('system:'))
    .filter((s) => !(s.kind === 'ServiceAccount' && context.isSystemNamespace(s.namespace)))
    .map((s) => (s.namespace === undefined ? { kind: s.kind, name: s.name } : (s as Subject)));
}

function subjectText(subject: Subject): string {
  return subject.kind === 'ServiceAccount'
    ? `ServiceAccount ${subject.namespace}/${subject.name}`
    : `${subject.kind} ${subject.name}`;
}

function roleOf(index: SnapshotIndex, binding: KubeObject): KubeObject | undefined {
  const kind = str(binding, 'roleRef', 'kind') ?? '';
  const name = str(binding, 'roleRef', 'name') ?? '';
  return kind === 'ClusterRole'
    ? index.get('ClusterRole', undefined, name)
    : index.get('Role', binding.metadata.namespace, name);
}

function allows(rule: Json, groups: string[], resources: string[], verbs: string[]): boolean {
  const ruleGroups = strings(rule, 'apiGroups');
  const ruleResources = strings(rule, 'resources');
  const ruleVerbs = strings(rule, 'verbs');
  return (
    (ruleGroups.includes('*') || groups.some((g) => ruleGroups.includes(g))) &&
    (ruleResources.includes('*') || resources.some((r) => ruleResources.includes(r))) &&
    (ruleVerbs.includes('*') || verbs.some((v) => ruleVerbs.includes(v)))
  );
}

/** A rule allowing every verb on every resource of every group: what cluster-admin grants. */
function grantsEverything(rule: Json): boolean {
  return (
    strings(rule, 'apiGroups').includes('*') &&
    strings(rule, 'resources').includes('*') &&
    strings(rule, 'verbs').includes('*')
  );
}

/** The role a binding grants is cluster-admin, by name or by what its rules allow. */
function grantsClusterAdmin(index: SnapshotIndex, binding: KubeObject): boolean {
  if (
    str(binding, 'roleRef', 'kind') === 'ClusterRole' &&
    str(binding, 'roleRef', 'name') === 'cluster-admin'
  )
    return true;
  const role = roleOf(index, binding);
  return role !== undefined && list(role, 'rules').some(grantsEverything);
}

/** Roles that no binding in the snapshot grants, by kind/namespace/name. */
function boundRoles(index: SnapshotIndex): Set<KubeObject> {
  return index.memo('rbac-bound-roles', () => {
    const bound = new Set<KubeObject>();
    for (const binding of index.ofKind('RoleBinding', 'ClusterRoleBinding')) {
      const role = roleOf(index, binding);
      if (role) bound.add(role);
    }
    return bound;
  });
}

function bindings(context: RuleContext): KubeObject[] {
  return context.index.ofKind('RoleBinding', 'ClusterRoleBinding').filter((b) => !isBuiltIn(b));
}

function scopeOf(binding: KubeObject): string {
  return binding.kind === 'ClusterRoleBinding'
    ? 'in every namespace'
    : `in namespace ${binding.metadata.namespace}`;
}

export const rbacWildcard: Rule = {
  id: 'rbac-wildcard',
  category: 'security',
  defaultSeverity: 'high',
  title: 'Role grants wildcard permissions',
  description:
    'A Role or ClusterRole uses "*" for verbs or resources, granting far more than intended, including future resources.',
  check({ index }) {
    return index.ofKind('Role', 'ClusterRole').flatMap((role): FindingDraft[] => {
      if (isBuiltIn(role) || isDefaultRole(role)) return [];
      const wild = list(role, 'rules')
        .map((rule, i) => ({ rule, i }))
        .filter(
          ({ rule }) =>
            strings(rule, 'verbs').includes('*') || strings(rule, 'resources').includes('*'),
        );
      if (wild.length === 0) return [];
      return [
        {
          object: role,
          message: `${describe(refOf(role))} grants wildcard permissions: ${wild
            .map(
              ({ rule }) =>
                `${strings(rule, 'verbs').join(',')} on ${strings(rule, 'resources').join(',')} in groups ${strings(
                  rule,
                  'apiGroups',
                )
                  .map((g) => g || 'core')
                  .join(',')}`,
            )
            .join('; ')}.`,
          evidence: wild.map(({ rule, i }) => ({
            type: 'field' as const,
            path: `rules[${i}]`,
            value: rule,
          })),
          remediation: {
            summary: 'List the exact verbs and resources the subject needs.',
            steps: ['kubectl auth can-i --list --as=<subject> shows what a subject can do today.'],
          },
        },
      ];
    });
  },
};

export const clusterAdminBinding: Rule = {
  id: 'rbac-cluster-admin-binding',
  category: 'security',
  defaultSeverity: 'critical',
  title: 'cluster-admin granted to a non-system subject',
  description:
    'cluster-admin, or any role allowing every verb on every resource, can do anything in its scope; a non-system subject holding it is a standing risk.',
  check(context) {
    return bindings(context).flatMap((binding): FindingDraft[] => {
      if (!grantsClusterAdmin(context.index, binding)) return [];
      const subjects = subjectsOf(binding, context);
      if (subjects.length === 0) return [];
      const roleRef = {
        kind: str(binding, 'roleRef', 'kind'),
        name: str(binding, 'roleRef', 'name'),
      };
      const named = roleRef.name === 'cluster-admin';
      return [
        {
          object: binding,
          message: `${describe(refOf(binding))} grants ${named ? 'cluster-admin' : `${roleRef.kind} ${roleRef.name}, which allows every verb on every resource like cluster-admin,`} ${scopeOf(binding)} to ${subjects.map(subjectText).join(', ')}.`,
          evidence: [
            {
              type: 'field',
              path: 'roleRef',
              value: roleRef,
            },
            { type: 'field', path: 'subjects', value: subjects },
          ],
          remediation: {
            summary:
              'Bind a role with only the permissions needed, scoped to the namespaces needed.',
            steps: [
              'Give people admin access through a group and short-lived credentials, not a standing binding.',
            ],
          },
        },
      ];
    });
  },
};

function accessRule(options: {
  id: string;
  title: string;
  description: string;
  what: string;
  matches: (rule: Json) => boolean;
  remediation: string;
}): Rule {
  return {
    id: options.id,
    category: 'security',
    defaultSeverity: 'warning',
    title: options.title,
    description: options.description,
    check(context) {
      return [...boundGrants(context), ...unboundGrants(context)];
    },
  };

  function boundGrants(context: RuleContext): FindingDraft[] {
    return bindings(context).flatMap((binding): FindingDraft[] => {
      // cluster-admin bindings have their own, stronger finding.
      if (grantsClusterAdmin(context.index, binding)) return [];
      const role = roleOf(context.index, binding);
      if (!role) return [];
      const granting = list(role, 'rules').filter(options.matches);
      if (granting.length === 0) return [];
      const subjects = subjectsOf(binding, context);
      if (subjects.length === 0) return [];
      return [
        {
          object: binding,
          severity: binding.kind === 'ClusterRoleBinding' ? 'high' : 'warning',
          message: `${subjects.map(subjectText).join(', ')} can ${options.what} ${scopeOf(binding)} through ${describe(refOf(role))}.`,
          evidence: [
            { type: 'field', path: 'roleRef', value: { kind: role.kind, name: nameOf(role) } },
            { type: 'field', path: 'subjects', value: subjects },
            ...granting.map((rule) => ({
              type: 'object' as const,
              text: `${describe(refOf(role))} rule`,
              value: rule,
            })),
          ],
          remediation: {
            summary: options.remediation,
            steps: ['Check the subject really needs it: kubectl auth can-i --list --as=<subject>'],
          },
        },
      ];
    });
  }

  /**
   * A role nobody is bound to yet is still the one someone binds next
   * (kube-linter reports roles, not bindings): a latent finding.
   */
  function unboundGrants(context: RuleContext): FindingDraft[] {
    const bound = boundRoles(context.index);
    return context.index.ofKind('Role', 'ClusterRole').flatMap((role): FindingDraft[] => {
      if (bound.has(role) || isBuiltIn(role) || isDefaultRole(role)) return [];
      // A role that grants everything is rbac-wildcard's finding.
      if (list(role, 'rules').some(grantsEverything)) return [];
      const granting = list(role, 'rules').filter(options.matches);
      if (granting.length === 0) return [];
      return [
        {
          object: role,
          severity: 'low',
          message: `${describe(refOf(role))} lets whoever is bound to it ${options.what}; no binding in the inspected objects uses it yet.`,
          evidence: granting.map((rule) => ({
            type: 'object' as const,
            text: `${describe(refOf(role))} rule`,
            value: rule,
          })),
          remediation: {
            summary: options.remediation,
            steps: ['Delete the role if nothing is meant to use it.'],
          },
        },
      ];
    });
  }
}

export const secretReaders = accessRule({
  id: 'rbac-secret-access',
  title: 'Subject can read Secrets',
  description:
    'Reading Secrets exposes every credential in their scope, including service account tokens.',
  what: 'read Secrets',
  matches: (rule) => allows(rule, [''], ['secrets'], ['get', 'list', 'watch']),
  remediation: 'Limit Secret access to named Secrets (resourceNames) or remove it.',
});

export const podExec = accessRule({
  id: 'rbac-pod-exec',
  title: 'Subject can exec into or create pods',
  description:
    'Exec/attach gives a shell in running containers, and creating pods lets a subject run as any service account in the namespace.',
  what: 'exec into or create pods',
  matches: (rule) =>
    allows(rule, [''], ['pods/exec', 'pods/attach'], ['create', 'get']) ||
    allows(rule, [''], ['pods'], ['create']),
  remediation:
    'Grant exec and pod creation only to operators, through a separate role, ideally time-limited.',
});

export const rbacRules: Rule[] = [rbacWildcard, clusterAdminBinding, secretReaders, podExec];
