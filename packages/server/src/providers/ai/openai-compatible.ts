import { aiConfigError, aiProviderError } from './errors.js';
import { postJson } from './http-transport.js';
import type { AiProvider, CompletionRequest, CompletionResult } from './provider.js';
import {
  requireText,
  requireUrl,
  resolveHttpSettings,
  type HttpProviderSettings,
  type ResolvedHttpSettings,
} from './provider-settings.js';
import { estimateMessagesTokens, estimateTokens } from './token-estimate.js';

/** How the JSON schema reaches the service: OpenAI's json_schema, plain JSON mode, or only the prompt. */
export type StructuredOutputMode = 'json_schema' | 'json_object' | 'none';

export const OPENAI_VENDORS = ['openai', 'deepseek', 'qwen', 'vllm', 'ollama', 'generic'] as const;
export type OpenAiVendor = (typeof OPENAI_VENDORS)[number];

interface VendorDefaults {
  baseUrl?: string;
  structuredOutput: StructuredOutputMode;
  apiKeyRequired: boolean;
  /** OpenAI deprecated max_tokens for max_completion_tokens; the compatible servers still read max_tokens. */
  maxTokensField: 'max_tokens' | 'max_completion_tokens';
}

// DeepSeek and DashScope's compatible mode accept JSON mode but not a schema.
const VENDORS: Record<OpenAiVendor, VendorDefaults> = {
  openai: {
    baseUrl: 'https://api.openai.com/v1',
    structuredOutput: 'json_schema',
    apiKeyRequired: true,
    maxTokensField: 'max_completion_tokens',
  },
  deepseek: {
    baseUrl: 'https://api.deepseek.com/v1',
    structuredOutput: 'json_object',
    apiKeyRequired: true,
    maxTokensField: 'max_tokens',
  },
  qwen: {
    baseUrl: 'https://dashscope.aliyuncs.com/compatible-mode/v1',
    structuredOutput: 'json_object',
    apiKeyRequired: true,
    maxTokensField: 'max_tokens',
  },
  vllm: { structuredOutput: 'json_schema', apiKeyRequired: false, maxTokensField: 'max_tokens' },
  ollama: {
    baseUrl: 'http://127.0.0.1:11434/v1',
    structuredOutput: 'json_schema',
    apiKeyRequired: false,
    maxTokensField: 'max_tokens',
  },
  generic: { structuredOutput: 'json_schema', apiKeyRequired: false, maxTokensField: 'max_tokens' },
};

export interface OpenAiCompatibleConfig extends HttpProviderSettings {
  type: 'openai-compatible';
  /** Picks the default base URL and structured-output mode; "generic" for any other compatible server. */
  vendor?: OpenAiVendor;
  /** Up to and including /v1 (or the vendor's equivalent); /chat/completions is appended. */
  baseUrl?: string;
  apiKey?: string;
  model: string;
  structuredOutput?: StructuredOutputMode;
  temperature?: number;
}

export interface AzureOpenAiConfig extends HttpProviderSettings {
  type: 'azure-openai';
  /** https://<resource>.openai.azure.com */
  endpoint: string;
  deployment: string;
  /** e.g. 2024-10-21; json_schema output needs 2024-08-01-preview or later. */
  apiVersion: string;
  apiKey: string;
  /** The model behind the deployment, for cache keys; the deployment name when unset. */
  model?: string;
  structuredOutput?: StructuredOutputMode;
  temperature?: number;
}

/** What differs between OpenAI-style services once the config is read. */
interface ChatCompletionsTarget {
  id: string;
  model: string;
  url: string;
  /** Authentication headers; kept apart from the logged settings. */
  authHeaders: Record<string, string>;
  secrets: string[];
  sendModel: boolean;
  structuredOutput: StructuredOutputMode;
  maxTokensField: VendorDefaults['maxTokensField'];
  temperature?: number;
  http: ResolvedHttpSettings;
}

/**
 * The chat completions wire protocol, shared by OpenAI, Azure OpenAI,
 * DeepSeek, Qwen (DashScope compatible mode), vLLM, Ollama's /v1 and any
 * other server that speaks it.
 */
export class ChatCompletionsProvider implements AiProvider {
  readonly id: string;
  readonly model: string;
  readonly #target: ChatCompletionsTarget;

  constructor(target: ChatCompletionsTarget) {
    this.id = target.id;
    this.model = target.model;
    this.#target = target;
  }

  async complete(request: CompletionRequest): Promise<CompletionResult> {
    const t = this.#target;
    const body: Record<string, unknown> = {
      messages: [{ role: 'system', content: request.system }, ...request.messages],
      [t.maxTokensField]: request.maxTokens,
      stream: false,
    };
    if (t.sendModel) body.model = t.model;
    if (t.temperature !== undefined) body.temperature = t.temperature;
    if (request.jsonSchema && t.structuredOutput === 'json_schema')
      body.response_format = {
        type: 'json_schema',
        json_schema: { name: 'kubeops_answer', schema: request.jsonSchema, strict: false },
      };
    else if (request.jsonSchema && t.structuredOutput === 'json_object')
      body.response_format = { type: 'json_object' };

    const answer = (await postJson(t.url, body, {
      provider: this.id,
      headers: { ...t.http.headers, ...t.authHeaders },
      timeoutMs: t.http.timeoutMs,
      retry: t.http.retry,
      secrets: t.secrets,
      ...(request.signal ? { signal: request.signal } : {}),
    })) as ChatCompletionAnswer;

    const message = answer?.choices?.[0]?.message;
    if (typeof message?.refusal === 'string' && message.refusal)
      throw aiProviderError(
        'ai_provider_rejected',
        this.id,
        `AI provider ${this.id} refused: ${message.refusal}`,
      );
    if (typeof message?.content !== 'string')
      throw aiProviderError(
        'ai_provider_bad_response',
        this.id,
        `AI provider ${this.id} answered without choices[0].message.content`,
      );
    const text = message.content;
    return {
      text,
      usage: {
        promptTokens:
          numberOr(answer.usage?.prompt_tokens) ??
          estimateMessagesTokens([request.system, ...request.messages.map((m) => m.content)]),
        completionTokens: numberOr(answer.usage?.completion_tokens) ?? estimateTokens(text),
      },
    };
  }

  toJSON() {
    return { id: this.id, model: this.model, url: this.#target.url };
  }
}

interface ChatCompletionAnswer {
  choices?: Array<{ message?: { content?: unknown; refusal?: unknown } }>;
  usage?: { prompt_tokens?: unknown; completion_tokens?: unknown };
}

const numberOr = (value: unknown) =>
  typeof value === 'number' && Number.isFinite(value) ? value : undefined;

function structuredOutputOf(value: unknown, field: string, fallback: StructuredOutputMode) {
  if (value === undefined) return fallback;
  if (value === 'json_schema' || value === 'json_object' || value === 'none') return value;
  throw aiConfigError(field, 'must be json_schema, json_object or none');
}

export function openAiCompatibleProvider(
  config: OpenAiCompatibleConfig,
  field = 'ai.provider',
): ChatCompletionsProvider {
  const vendor = config.vendor ?? 'generic';
  const defaults = VENDORS[vendor];
  if (!defaults)
    throw aiConfigError(`${field}.vendor`, `must be one of ${OPENAI_VENDORS.join(', ')}`);
  const baseUrl = requireUrl(config.baseUrl ?? defaults.baseUrl, `${field}.baseUrl`);
  const model = requireText(config.model, `${field}.model`);
  const apiKey = config.apiKey?.trim() || undefined;
  if (defaults.apiKeyRequired && !apiKey)
    throw aiConfigError(`${field}.apiKey`, `is required for ${vendor}`);
  return new ChatCompletionsProvider({
    id: vendor === 'generic' ? 'openai-compatible' : vendor,
    model,
    url: `${baseUrl}/chat/completions`,
    authHeaders: apiKey ? { authorization: `Bearer ${apiKey}` } : {},
    secrets: apiKey ? [apiKey] : [],
    sendModel: true,
    structuredOutput: structuredOutputOf(
      config.structuredOutput,
      `${field}.structuredOutput`,
      defaults.structuredOutput,
    ),
    maxTokensField: defaults.maxTokensField,
    ...(config.temperature !== undefined ? { temperature: config.temperature } : {}),
    http: resolveHttpSettings(config, field),
  });
}

/**
 * Azure OpenAI: the deployment is in the path, the API version in the query,
 * and the key in an `api-key` header rather than a bearer token.
 */
export function azureOpenAiProvider(
  config: AzureOpenAiConfig,
  field = 'ai.provider',
): ChatCompletionsProvider {
  const endpoint = requireUrl(config.endpoint, `${field}.endpoint`);
  const deployment = requireText(config.deployment, `${field}.deployment`);
  const apiVersion = requireText(config.apiVersion, `${field}.apiVersion`);
  const apiKey = requireText(config.apiKey, `${field}.apiKey`);
  return new ChatCompletionsProvider({
    id: 'azure-openai',
    model: config.model?.trim() || deployment,
    url: `${endpoint}/openai/deployments/${encodeURIComponent(deployment)}/chat/completions?api-version=${encodeURIComponent(apiVersion)}`,
    authHeaders: { 'api-key': apiKey },
    secrets: [apiKey],
    sendModel: false,
    structuredOutput: structuredOutputOf(
      config.structuredOutput,
      `${field}.structuredOutput`,
      'json_schema',
    ),
    maxTokensField: 'max_tokens',
    ...(config.temperature !== undefined ? { temperature: config.temperature } : {}),
    http: resolveHttpSettings(config, field),
  });
}
