/** Points at one evidence item of a finding: `finding.evidence[index]`. */
export interface EvidenceReference {
  fingerprint: string;
  index: number;
}

/**
 * Why an explanation came from the rule rather than the model:
 * - no_provider: no AI provider is configured
 * - budget_exhausted: the run's token budget was spent before this finding's turn
 * - invalid_output: the model's answer failed validation twice
 * - provider_error: the provider call failed (unreachable, rejected, timed out)
 */
export type FallbackReason =
  'no_provider' | 'budget_exhausted' | 'invalid_output' | 'provider_error';

/** The same shape whether a model or the rule explains a finding. */
export interface Explanation {
  fingerprint: string;
  ruleId: string;
  source: 'ai' | 'rule';
  /** True when the answer came from the cache rather than a call in this run. */
  cached: boolean;
  rootCause: string;
  /** Evidence items of the input findings that support the root cause. */
  evidence: EvidenceReference[];
  remediationSteps: string[];
  /** 0 to 1. A rule's own explanation restates what it observed, so it carries 1. */
  confidence: number;
  /** provider/model and prompt version of an AI explanation. */
  model?: string;
  promptVersion?: string;
  fallbackReason?: FallbackReason;
}

export interface ExplainResult {
  /** One per input finding, in input order. */
  explanations: Explanation[];
  /** provider/model, when a provider was configured. */
  model?: string;
  promptVersion: string;
  budget: {
    limitTokens: number;
    /** Tokens spent by this run's calls, as the provider reported them. */
    usedTokens: number;
    /** True when findings went unexplained by the model because the budget ran out. */
    exhausted: boolean;
  };
  calls: number;
  cacheHits: number;
  /** Plain statements about the run a report can show, e.g. that the budget ran out. */
  notes: string[];
}
