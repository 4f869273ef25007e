import { aiProviderError } from './errors.js';
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

export interface OllamaConfig extends HttpProviderSettings {
  type: 'ollama';
  /** The Ollama server, without /api; http://127.0.0.1:11434 by default. */
  baseUrl?: string;
  model: string;
  /** How long Ollama keeps the model loaded after the call, e.g. "10m". */
  keepAlive?: string;
  temperature?: number;
  /** Context window to load the model with (Ollama's num_ctx). */
  contextTokens?: number;
}

/**
 * Ollama's native /api/chat. Unlike its /v1 endpoint, it takes the JSON
 * schema in `format` and constrains decoding to it, which small local
 * models need to produce parseable answers.
 */
export class OllamaProvider implements AiProvider {
  readonly id = 'ollama';
  readonly model: string;
  readonly #url: string;
  readonly #config: OllamaConfig;
  readonly #http: ResolvedHttpSettings;

  constructor(config: OllamaConfig, field = 'ai.provider') {
    this.#url = `${requireUrl(config.baseUrl ?? 'http://127.0.0.1:11434', `${field}.baseUrl`)}/api/chat`;
    this.model = requireText(config.model, `${field}.model`);
    this.#config = config;
    this.#http = resolveHttpSettings(config, field);
  }

  async complete(request: CompletionRequest): Promise<CompletionResult> {
    const options: Record<string, unknown> = { num_predict: request.maxTokens };
    if (this.#config.temperature !== undefined) options.temperature = this.#config.temperature;
    if (this.#config.contextTokens !== undefined) options.num_ctx = this.#config.contextTokens;
    const body: Record<string, unknown> = {
      model: this.model,
      messages: [{ role: 'system', content: request.system }, ...request.messages],
      stream: false,
      options,
    };
    if (request.jsonSchema) body.format = request.jsonSchema;
    if (this.#config.keepAlive) body.keep_alive = this.#config.keepAlive;

    const answer = (await postJson(this.#url, body, {
      provider: this.id,
      headers: this.#http.headers,
      timeoutMs: this.#http.timeoutMs,
      retry: this.#http.retry,
      secrets: [],
      ...(request.signal ? { signal: request.signal } : {}),
    })) as OllamaChatAnswer;

    const text = answer?.message?.content;
    if (typeof text !== 'string')
      throw aiProviderError(
        'ai_provider_bad_response',
        this.id,
        'Ollama answered without message.content',
      );
    return {
      text,
      usage: {
        promptTokens:
          count(answer.prompt_eval_count) ??
          estimateMessagesTokens([request.system, ...request.messages.map((m) => m.content)]),
        completionTokens: count(answer.eval_count) ?? estimateTokens(text),
      },
    };
  }

  toJSON() {
    return { id: this.id, model: this.model, url: this.#url };
  }
}

interface OllamaChatAnswer {
  message?: { content?: unknown };
  prompt_eval_count?: unknown;
  eval_count?: unknown;
}

const count = (value: unknown) =>
  typeof value === 'number' && Number.isFinite(value) ? value : undefined;
