import type { Finding } from '@kubeops/inspect';
import type { Logger } from '../../core/logging.js';
import { KubeOpsError } from '../../core/errors.js';
import { Anonymizer, type AnonymizerOptions } from './anonymizer.js';
import { checkAnswer, type AnswerItem } from './answer.js';
import { batchFindings, OwnerIndex, type SnapshotContext } from './batching.js';
import { isFatalProviderError } from './errors.js';
import type { CachedExplanation, ExplanationCache } from './explanation-cache.js';
import type { ExplainResult, Explanation, FallbackReason } from './explanation.js';
import {
  buildBatchPrompt,
  involved,
  PROMPT_VERSION,
  SYSTEM_PROMPT,
  type BatchPrompt,
} from './prompt.js';
import type { AiProvider, ChatMessage, CompletionResult } from './provider.js';
import { ruleExplanation } from './rule-explanation.js';
import { estimateMessagesTokens, estimateTokens } from './token-estimate.js';

export interface ExplainOptions {
  /** Without one, every finding is explained by its rule. */
  provider?: AiProvider;
  cache?: ExplanationCache;
  /** Tokens (prompt + answer, all calls) one run may spend; 50,000 by default. */
  tokenBudget?: number;
  /** Upper bound on each answer; also reserved from the budget before each call. */
  maxAnswerTokens?: number;
  maxFindingsPerBatch?: number;
  /** Replace names, addresses, images and hosts with tokens before anything leaves the process (default true). */
  anonymize?: boolean;
  anonymizer?: AnonymizerOptions;
  logger?: Logger;
  signal?: AbortSignal;
}

export const DEFAULT_TOKEN_BUDGET = 50_000;
const DEFAULT_MAX_ANSWER_TOKENS = 1_024;
const DEFAULT_MAX_FINDINGS_PER_BATCH = 6;

/**
 * Explains inspection findings: with a provider, by a model (batched,
 * anonymized, validated, cached, within a token budget); without one, or
 * wherever the model cannot help, by the finding's own rule. Never throws for
 * provider trouble — an inspection report always gets one explanation per
 * finding, in input order.
 */
export async function explainFindings(
  findings: Finding[],
  context: SnapshotContext = {},
  options: ExplainOptions = {},
): Promise<ExplainResult> {
  const limit = options.tokenBudget ?? DEFAULT_TOKEN_BUDGET;
  const result: ExplainResult = {
    explanations: [],
    promptVersion: PROMPT_VERSION,
    budget: { limitTokens: limit, usedTokens: 0, exhausted: false },
    calls: 0,
    cacheHits: 0,
    notes: [],
  };
  const provider = options.provider;
  if (!provider) {
    result.explanations = findings.map((f) => ruleExplanation(f, 'no_provider'));
    if (findings.length > 0)
      result.notes.push('No AI provider is configured: every finding is explained by its rule.');
    return result;
  }

  const model = `${provider.id}/${provider.model}`;
  result.model = model;
  const scope = { model, promptVersion: PROMPT_VERSION };
  const byFingerprint = new Map<string, Explanation>();
  const unique = [...new Map(findings.map((f) => [f.fingerprint, f])).values()];

  const cached = await readCache(options, unique, scope);
  for (const finding of unique) {
    const hit = cached.get(finding.fingerprint);
    if (!hit) continue;
    byFingerprint.set(finding.fingerprint, aiExplanation(finding, hit, model, true));
    result.cacheHits++;
  }

  const pending = unique.filter((f) => !byFingerprint.has(f.fingerprint));
  const owners = new OwnerIndex(context.objects);
  const anonymizer = prepareAnonymizer(pending, context, options);
  const maxAnswer = options.maxAnswerTokens ?? DEFAULT_MAX_ANSWER_TOKENS;
  const fresh = new Map<string, CachedExplanation>();
  let stopReason: FallbackReason | undefined;

  const call = async (
    messages: ChatMessage[],
    prompt: BatchPrompt,
  ): Promise<CompletionResult | undefined> => {
    // The schema travels twice with structured output: in the prompt and in response_format.
    const estimate =
      estimateMessagesTokens([SYSTEM_PROMPT, ...messages.map((m) => m.content)]) +
      estimateTokens(JSON.stringify(prompt.schema)) +
      maxAnswer;
    if (result.budget.usedTokens + estimate > limit) {
      result.budget.exhausted = true;
      return undefined;
    }
    result.calls++;
    const answer = await provider.complete({
      system: SYSTEM_PROMPT,
      messages,
      jsonSchema: prompt.schema as Record<string, unknown>,
      maxTokens: maxAnswer,
      ...(options.signal ? { signal: options.signal } : {}),
    });
    result.budget.usedTokens += answer.usage.promptTokens + answer.usage.completionTokens;
    options.logger?.debug(
      {
        provider: provider.id,
        model: provider.model,
        findings: prompt.findingIds.size,
        usage: answer.usage,
      },
      'AI explanation call',
    );
    return answer;
  };

  for (const batch of batchFindings(
    pending,
    owners,
    options.maxFindingsPerBatch ?? DEFAULT_MAX_FINDINGS_PER_BATCH,
  )) {
    if (stopReason) {
      for (const f of batch) byFingerprint.set(f.fingerprint, ruleExplanation(f, stopReason));
      continue;
    }
    const prompt = buildBatchPrompt(batch, context, owners, anonymizer);
    const { outcome, reason, stop } = await explainBatch(prompt, call, options.logger);
    if (stop) stopReason = stop;
    if (reason === 'provider_error' && outcome.problem && !result.notes.includes(outcome.problem))
      result.notes.push(outcome.problem);

    for (const [id, finding] of prompt.findingIds) {
      const item = outcome.valid.get(id);
      if (!item) {
        byFingerprint.set(finding.fingerprint, ruleExplanation(finding, reason));
        continue;
      }
      const explanation = restoredAnswer(item, prompt, anonymizer);
      fresh.set(finding.fingerprint, explanation);
      byFingerprint.set(finding.fingerprint, aiExplanation(finding, explanation, model, false));
    }
  }

  if (options.cache && fresh.size > 0) {
    try {
      await options.cache.setMany(fresh, scope);
    } catch (error) {
      options.logger?.warn(
        { err: (error as Error).message },
        'could not store AI explanations in the cache',
      );
    }
  }
  if (result.budget.exhausted) {
    const left = [...byFingerprint.values()].filter(
      (e) => e.fallbackReason === 'budget_exhausted',
    ).length;
    result.notes.push(
      `The token budget of ${limit} was spent (${result.budget.usedTokens} used): ${left} finding(s) are explained by their rules only.`,
    );
  }
  result.explanations = findings.map((f) => byFingerprint.get(f.fingerprint)!);
  return result;
}

type Call = (messages: ChatMessage[], prompt: BatchPrompt) => Promise<CompletionResult | undefined>;

interface BatchOutcome {
  outcome: { valid: Map<string, AnswerItem>; problem?: string };
  /** Why the findings without a valid answer fall back to their rule. */
  reason: FallbackReason;
  /** Set when no further batch should be sent. */
  stop?: FallbackReason;
}

/**
 * One batch: ask, check, and on an invalid answer ask once more with the
 * problems listed. Entries valid in either answer are kept, even when the
 * second call fails.
 */
async function explainBatch(
  prompt: BatchPrompt,
  call: Call,
  logger?: Logger,
): Promise<BatchOutcome> {
  const valid = new Map<string, AnswerItem>();
  const messages: ChatMessage[] = [{ role: 'user', content: prompt.user }];
  try {
    const first = await call(messages, prompt);
    if (!first) return { outcome: { valid }, reason: 'budget_exhausted', stop: 'budget_exhausted' };
    const checked = checkAnswer(first.text, prompt);
    for (const [id, item] of checked.valid) valid.set(id, item);
    if (checked.problems.length === 0) return { outcome: { valid }, reason: 'invalid_output' };

    logger?.info({ problems: checked.problems.slice(0, 5) }, 'AI answer invalid; retrying once');
    const retry = await call(
      [
        ...messages,
        { role: 'assistant', content: first.text },
        { role: 'user', content: correctionRequest(checked.problems) },
      ],
      prompt,
    );
    if (!retry) return { outcome: { valid }, reason: 'invalid_output', stop: 'budget_exhausted' };
    // The corrected answer wins where both are valid.
    for (const [id, item] of checkAnswer(retry.text, prompt).valid) valid.set(id, item);
    return { outcome: { valid }, reason: 'invalid_output' };
  } catch (error) {
    const code = error instanceof KubeOpsError ? error.code : undefined;
    logger?.warn(
      { code, err: (error as Error).message },
      'AI provider call failed; findings keep their rule explanations',
    );
    return {
      outcome: {
        valid,
        problem:
          error instanceof KubeOpsError
            ? error.message
            : `The AI provider failed: ${(error as Error).message}`,
      },
      reason: 'provider_error',
      ...(isFatalProviderError(error) ? { stop: 'provider_error' as const } : {}),
    };
  }
}

async function readCache(
  options: ExplainOptions,
  findings: Finding[],
  scope: { model: string; promptVersion: string },
): Promise<Map<string, CachedExplanation>> {
  if (!options.cache) return new Map();
  try {
    return await options.cache.getMany(
      findings.map((f) => f.fingerprint),
      scope,
    );
  } catch (error) {
    // A cache outage costs tokens, not explanations.
    options.logger?.warn(
      { err: (error as Error).message },
      'could not read cached AI explanations',
    );
    return new Map();
  }
}

function prepareAnonymizer(
  findings: Finding[],
  context: SnapshotContext,
  options: ExplainOptions,
): Anonymizer {
  if (options.anonymize === false) return new PassThroughAnonymizer();
  const anonymizer = new Anonymizer(options.anonymizer);
  // Structure first: fields that are known to hold names get kind-specific tokens
  // (pod-1, node-2) before free-text patterns see them.
  for (const finding of findings) anonymizer.registerFinding(finding);
  for (const object of context.objects ?? []) anonymizer.registerObject(object);
  for (const event of context.events ?? []) {
    anonymizer.registerReference(involved(event));
    anonymizer.registerValue(event);
  }
  for (const sample of context.logs ?? []) {
    anonymizer.register(sample.namespace, 'ns');
    anonymizer.register(sample.pod, 'pod');
    if (sample.container) anonymizer.register(sample.container, 'container');
  }
  for (const change of context.changes ?? []) {
    anonymizer.registerReference(change);
    if (change.actor) anonymizer.register(change.actor, 'user');
  }
  return anonymizer;
}

/** Used when anonymization is switched off (a model inside the cluster's own trust boundary). */
class PassThroughAnonymizer extends Anonymizer {
  override text(input: string): string {
    return input;
  }
  override restore(input: string): string {
    return input;
  }
}

function restoredAnswer(
  item: AnswerItem,
  prompt: BatchPrompt,
  anonymizer: Anonymizer,
): CachedExplanation {
  return {
    rootCause: anonymizer.restore(item.rootCause.trim()),
    evidence: item.evidence.map((id) => prompt.evidenceIds.get(id)!),
    remediationSteps: item.remediation.map((step) => anonymizer.restore(step.trim())),
    confidence: item.confidence,
  };
}

function aiExplanation(
  finding: Finding,
  answer: CachedExplanation,
  model: string,
  cached: boolean,
): Explanation {
  return {
    fingerprint: finding.fingerprint,
    ruleId: finding.ruleId,
    source: 'ai',
    cached,
    rootCause: answer.rootCause,
    evidence: answer.evidence,
    remediationSteps: answer.remediationSteps,
    confidence: answer.confidence,
    model,
    promptVersion: PROMPT_VERSION,
  };
}

function correctionRequest(problems: string[]): string {
  return [
    'That answer does not match the schema:',
    ...problems.slice(0, 20).map((p) => `- ${p}`),
    'Answer again with only the corrected JSON object.',
  ].join('\n');
}
