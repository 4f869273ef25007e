import type { Finding, Snapshot } from '@kubeops/inspect';
import type { FindingExplainer } from '../providers/ai/index.js';
import type { FindingStatus, FindingStore } from './store/finding-store.js';

/** What explaining one run cost and gave; logged with the run. */
export interface RunExplanations {
  /** New and regressed findings handed to the explainer. */
  requested: number;
  /** Of those, explained by the model (freshly or from its cache) and stored. */
  stored: number;
  calls: number;
  usedTokens: number;
  budgetExhausted: boolean;
  notes: string[];
}

/** Findings a person has not seen explained yet: open ones keep their earlier explanation. */
const UNEXPLAINED: ReadonlySet<FindingStatus> = new Set(['new', 'regressed']);

/**
 * Asks the AI layer to explain a run's new and regressed findings, within
 * the run's token budget (the explainer enforces it), and stores the model's
 * explanations in the findings' `explanation` column. Findings the model did
 * not explain (budget spent, provider down, answer invalid) keep none: their
 * rule's message and remediation stand.
 */
export async function explainRun(
  explain: FindingExplainer,
  store: FindingStore,
  run: { cluster: string; findings: Finding[]; statuses: Map<string, FindingStatus> },
  snapshot: Snapshot,
): Promise<RunExplanations> {
  const fresh = run.findings.filter((f) => UNEXPLAINED.has(run.statuses.get(f.fingerprint)!));
  if (fresh.length === 0) {
    return { requested: 0, stored: 0, calls: 0, usedTokens: 0, budgetExhausted: false, notes: [] };
  }
  const result = await explain(fresh, snapshot);
  const stored = await store.storeExplanations(
    run.cluster,
    result.explanations.filter((e) => e.source === 'ai'),
  );
  return {
    requested: fresh.length,
    stored,
    calls: result.calls,
    usedTokens: result.budget.usedTokens,
    budgetExhausted: result.budget.exhausted,
    notes: result.notes,
  };
}
