/**
 * The AI layer of KubeOps inspections.
 *
 * Entry point for the inspector, from the `ai` config section (AiSettingsSchema):
 *
 *   const explain = findingExplainer(config.ai, { db: ctx.db, logger });
 *   const result = await explain(inspection.findings, snapshot);
 *
 * or, assembling the parts by hand:
 *
 *   const provider = config ? createAiProvider(config) : undefined;
 *   const cache = new PostgresExplanationCache(ctx.db);
 *   const result = await explainFindings(inspection.findings, snapshot, {
 *     provider, cache, tokenBudget: 50_000, logger,
 *   });
 *   // result.explanations[i] explains findings[i]: source 'ai' or 'rule',
 *   // rootCause, evidence references, remediationSteps, confidence.
 *   // result.notes says when the budget ran out or the provider failed.
 *
 * With no provider every finding is explained by its rule, in the same shape.
 * Names, namespaces, addresses, images, hosts, e-mails and label values are
 * replaced by tokens before a prompt leaves the process and restored in the
 * answer. Third-party providers implement `AiProvider` (and may register a
 * config type with `registerAiProviderType`).
 */
export type {
  AiProvider,
  ChatMessage,
  CompletionRequest,
  CompletionResult,
  TokenUsage,
} from './provider.js';
export {
  createAiProvider,
  registerAiProviderType,
  aiProviderTypes,
  type AiProviderConfig,
  type AiProviderFactory,
  type BuiltinAiProviderConfig,
} from './registry.js';
export {
  ChatCompletionsProvider,
  openAiCompatibleProvider,
  azureOpenAiProvider,
  OPENAI_VENDORS,
  type OpenAiCompatibleConfig,
  type AzureOpenAiConfig,
  type OpenAiVendor,
  type StructuredOutputMode,
} from './openai-compatible.js';
export { OllamaProvider, type OllamaConfig } from './ollama.js';
export { CustomHttpProvider, type CustomHttpConfig } from './custom-http.js';
export { DEFAULT_RETRY, type RetryPolicy } from './http-transport.js';
export { explainFindings, DEFAULT_TOKEN_BUDGET, type ExplainOptions } from './explain.js';
export {
  findingExplainer,
  AiSettingsSchema,
  AiProviderConfigSchema,
  type AiSettings,
  type FindingExplainer,
} from './settings.js';
export type {
  ExplainResult,
  Explanation,
  EvidenceReference,
  FallbackReason,
} from './explanation.js';
export type { SnapshotContext } from './batching.js';
export { ruleExplanation } from './rule-explanation.js';
export {
  MemoryExplanationCache,
  DEFAULT_CACHE_TTL_MS,
  type ExplanationCache,
  type CachedExplanation,
  type CacheScope,
} from './explanation-cache.js';
export { PostgresExplanationCache } from './postgres-explanation-cache.js';
export { Anonymizer, DEFAULT_KEPT_VALUES, type AnonymizerOptions } from './anonymizer.js';
export { PROMPT_VERSION } from './prompt.js';
export { estimateTokens } from './token-estimate.js';
