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
      if (isBuiltIn(role) || (role.kind === 'ClusterRole' && DEFAULT_ROLES.has(nameOf(role))))
        return [];
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
    'cluster-admin can do anything to the cluster; a non-system subject holding it is a standing risk.',
  check(context) {
    return bindings(context).flatMap((binding): FindingDraft[] => {
      if (
        str(binding, 'roleRef', 'kind') !== 'ClusterRole' ||
        str(binding, 'roleRef', 'name') !== 'cluster-admin'
      )
        return [];
      const subjects = subjectsOf(binding, context);
      if (subjects.length === 0) return [];
      return [
        {
          object: binding,
          message: `${describe(refOf(binding))} grants cluster-admin ${scopeOf(binding)} to ${subjects.map(subjectText).join(', ')}.`,
          evidence: [
            {
              type: 'field',
              path: 'roleRef',
              value: { kind: 'ClusterRole', name: 'cluster-admin' },
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
      return bindings(context).flatMap((binding): FindingDraft[] => {
        // cluster-admin bindings have their own, stronger finding.
        if (str(binding, 'roleRef', 'name') === 'cluster-admin') return [];
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
              steps: [
                'Check the subject really needs it: kubectl auth can-i --list --as=<subject>',
              ],
            },
          },
        ];
      });
    },
  };
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
