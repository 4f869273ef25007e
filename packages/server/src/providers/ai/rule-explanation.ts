import type { Finding } from '@kubeops/inspect';
import type { Explanation, FallbackReason } from './explanation.js';

/** Every finding's explanation without a model: the rule's own message, evidence and remediation. */
export function ruleExplanation(finding: Finding, reason: FallbackReason): Explanation {
  const steps =
    finding.remediation.steps.length > 0
      ? finding.remediation.steps
      : [finding.remediation.summary];
  return {
    fingerprint: finding.fingerprint,
    ruleId: finding.ruleId,
    source: 'rule',
    cached: false,
    rootCause: finding.message,
    evidence: finding.evidence.map((_, index) => ({ fingerprint: finding.fingerprint, index })),
    remediationSteps: steps.filter((s) => s.trim() !== ''),
    confidence: 1,
    fallbackReason: reason,
  };
}
