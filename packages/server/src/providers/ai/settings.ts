import { Type, type Static, type TSchema } from '@sinclair/typebox';
import type { Finding } from '@kubeops/inspect';
import type { Logger } from '../../core/logging.js';
import type { Database } from '../../store/database.js';
import type { SnapshotContext } from './batching.js';
import { explainFindings, DEFAULT_TOKEN_BUDGET } from './explain.js';
import { DEFAULT_CACHE_TTL_MS, MemoryExplanationCache } from './explanation-cache.js';
import type { ExplainResult } from './explanation.js';
import { OPENAI_VENDORS } from './openai-compatible.js';
import { PostgresExplanationCache } from './postgres-explanation-cache.js';
import { createAiProvider, type BuiltinAiProviderConfig } from './registry.js';

const Str = () => Type.String({ minLength: 1 });
const Url = () => Type.String({ pattern: '^https?://' });
const Http = {
  timeoutMs: Type.Optional(Type.Integer({ minimum: 1 })),
  retry: Type.Optional(
    Type.Object(
      {
        retries: Type.Optional(Type.Integer({ minimum: 0, maximum: 10 })),
        baseDelayMs: Type.Optional(Type.Integer({ minimum: 0 })),
        maxDelayMs: Type.Optional(Type.Integer({ minimum: 0 })),
        maxRetryAfterMs: Type.Optional(Type.Integer({ minimum: 0 })),
      },
      { additionalProperties: false },
    ),
  ),
  headers: Type.Optional(Type.Record(Type.String(), Type.String())),
};
const StructuredOutput = Type.Union(
  ['json_schema', 'json_object', 'none'].map((m) => Type.Literal(m)),
);
const Obj = <T extends Record<string, TSchema>>(props: T) =>
  Type.Object(props, { additionalProperties: false });

/** The built-in provider configs, as the config file spells them. */
export const AiProviderConfigSchema = Type.Union([
  Obj({
    type: Type.Literal('openai-compatible'),
    vendor: Type.Optional(Type.Union(OPENAI_VENDORS.map((v) => Type.Literal(v)))),
    baseUrl: Type.Optional(Url()),
    apiKey: Type.Optional(Str()),
    model: Str(),
    structuredOutput: Type.Optional(StructuredOutput),
    temperature: Type.Optional(Type.Number({ minimum: 0, maximum: 2 })),
    ...Http,
  }),
  Obj({
    type: Type.Literal('azure-openai'),
    endpoint: Url(),
    deployment: Str(),
    apiVersion: Str(),
    apiKey: Str(),
    model: Type.Optional(Str()),
    structuredOutput: Type.Optional(StructuredOutput),
    temperature: Type.Optional(Type.Number({ minimum: 0, maximum: 2 })),
    ...Http,
  }),
  Obj({
    type: Type.Literal('ollama'),
    baseUrl: Type.Optional(Url()),
    model: Str(),
    keepAlive: Type.Optional(Str()),
    temperature: Type.Optional(Type.Number({ minimum: 0, maximum: 2 })),
    contextTokens: Type.Optional(Type.Integer({ minimum: 256 })),
    ...Http,
  }),
  Obj({
    type: Type.Literal('custom-http'),
    url: Url(),
    model: Str(),
    apiKey: Type.Optional(Str()),
    body: Type.Unknown(),
    answerPath: Str(),
    promptTokensPath: Type.Optional(Str()),
    completionTokensPath: Type.Optional(Str()),
    ...Http,
  }),
]);

/**
 * The `ai` section of the server config. Without `provider`, inspections
 * explain findings from their rules only.
 */
export const AiSettingsSchema = Type.Object(
  {
    provider: Type.Optional(AiProviderConfigSchema),
    /** Tokens one inspection run may spend on explanations. */
    tokenBudget: Type.Integer({ minimum: 0, default: DEFAULT_TOKEN_BUDGET }),
    maxAnswerTokens: Type.Integer({ minimum: 16, default: 1024 }),
    maxFindingsPerBatch: Type.Integer({ minimum: 1, maximum: 50, default: 6 }),
    /** Off only when the model runs inside the same trust boundary as the clusters. */
    anonymize: Type.Boolean({ default: true }),
    cacheTtlSeconds: Type.Integer({ minimum: 60, default: DEFAULT_CACHE_TTL_MS / 1000 }),
  },
  { additionalProperties: false, default: {} },
);
export type AiSettings = Static<typeof AiSettingsSchema>;

export type FindingExplainer = (
  findings: Finding[],
  context?: SnapshotContext,
) => Promise<ExplainResult>;

/**
 * What the inspector calls: settings in, a function that explains one run's
 * findings out. The provider is built (and its config checked) once; answers
 * are cached in the database when there is one, so replicas share them.
 */
export function findingExplainer(
  settings: AiSettings,
  deps: { db?: Database; logger?: Logger } = {},
): FindingExplainer {
  const provider = settings.provider
    ? createAiProvider(settings.provider as BuiltinAiProviderConfig, 'ai.provider')
    : undefined;
  const ttlMs = settings.cacheTtlSeconds * 1000;
  const cache = deps.db
    ? new PostgresExplanationCache(deps.db, { ttlMs })
    : new MemoryExplanationCache({ ttlMs });
  return (findings, context = {}) =>
    explainFindings(findings, context, {
      ...(provider ? { provider, cache } : {}),
      tokenBudget: settings.tokenBudget,
      maxAnswerTokens: settings.maxAnswerTokens,
      maxFindingsPerBatch: settings.maxFindingsPerBatch,
      anonymize: settings.anonymize,
      ...(deps.logger ? { logger: deps.logger } : {}),
    });
}
