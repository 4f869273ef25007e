import { describe, list, nameOf, refOf, str } from '../../kube/fields.js';
import type { FindingDraft, Rule } from '../../rule.js';

/** K8sGPT's ValidatingAdmissionPolicy analyzer: policies that check nothing, or check wrongly. */

export const admissionPolicyUnbound: Rule = {
  id: 'admission-policy-unbound',
  category: 'reliability',
  defaultSeverity: 'warning',
  title: 'ValidatingAdmissionPolicy has no binding',
  description:
    'A ValidatingAdmissionPolicy does nothing until a ValidatingAdmissionPolicyBinding names it: the rules people believe are enforced are not.',
  check({ index }) {
    if (!index.canTellMissing('ValidatingAdmissionPolicyBinding')) return [];
    const bound = new Set(
      index
        .ofKind('ValidatingAdmissionPolicyBinding')
        .map((b) => str(b, 'spec', 'policyName'))
        .filter((n): n is string => n !== undefined),
    );
    return index.ofKind('ValidatingAdmissionPolicy').flatMap((policy): FindingDraft[] => {
      if (bound.has(nameOf(policy))) return [];
      return [
        {
          object: policy,
          message: `${describe(refOf(policy))} is not named by any ValidatingAdmissionPolicyBinding, so it is never enforced.`,
          evidence: [{ type: 'field', path: 'metadata.name', value: nameOf(policy) }],
          remediation: {
            summary: 'Bind the policy (or delete it if it is obsolete).',
            steps: ['Start with validationActions [Warn, Audit] to see what it would reject.'],
            create: {
              apiVersion: 'admissionregistration.k8s.io/v1',
              kind: 'ValidatingAdmissionPolicyBinding',
              metadata: { name: nameOf(policy) },
              spec: { policyName: nameOf(policy), validationActions: ['Warn', 'Audit'] },
            },
          },
        },
      ];
    });
  },
};

export const admissionPolicyTypeWarnings: Rule = {
  id: 'admission-policy-type-warnings',
  category: 'reliability',
  defaultSeverity: 'warning',
  title: 'ValidatingAdmissionPolicy expressions fail type checking',
  description:
    'The API server type-checked the CEL expressions against the matched kinds and warned: such an expression errors at admission time and is handled by the failurePolicy.',
  check({ index }) {
    return index.ofKind('ValidatingAdmissionPolicy').flatMap((policy): FindingDraft[] => {
      const warnings = list(policy, 'status', 'typeChecking', 'expressionWarnings');
      if (warnings.length === 0) return [];
      return [
        {
          object: policy,
          message: `${describe(refOf(policy))} has ${warnings.length} expression${warnings.length === 1 ? '' : 's'} that fail${warnings.length === 1 ? 's' : ''} type checking: ${warnings
            .map((w) => `${str(w, 'fieldRef') ?? '?'}: ${str(w, 'warning') ?? ''}`.trim())
            .join('; ')}`,
          evidence: [
            { type: 'field', path: 'status.typeChecking.expressionWarnings', value: warnings },
          ],
          remediation: {
            summary: 'Fix the named expressions so they type-check against every matched kind.',
            steps: [`kubectl get validatingadmissionpolicy ${nameOf(policy)} -o yaml`],
          },
        },
      ];
    });
  },
};

export const admissionPolicyRules: Rule[] = [admissionPolicyUnbound, admissionPolicyTypeWarnings];
