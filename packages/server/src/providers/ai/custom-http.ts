import { aiConfigError, aiProviderError } from './errors.js';
import { postJson } from './http-transport.js';
import { parsePath, readPath } from './json-path.js';
import type { AiProvider, CompletionRequest, CompletionResult } from './provider.js';
import {
  requireText,
  requireUrl,
  resolveHttpSettings,
  type HttpProviderSettings,
  type ResolvedHttpSettings,
} from './provider-settings.js';
import { estimateMessagesTokens, estimateTokens } from './token-estimate.js';

/**
 * Any JSON-over-HTTP model service. The request body is a template: a string
 * that is exactly one placeholder is replaced by the value itself (so
 * "{{messages}}" becomes an array and "{{maxTokens}}" a number); placeholders
 * inside longer strings are replaced by their text.
 *
 * Placeholders: {{system}}, {{prompt}} (the user messages, joined),
 * {{messages}} (system + chat messages as [{role, content}]), {{model}},
 * {{maxTokens}}, {{jsonSchema}}, {{apiKey}} (also usable in url and headers).
 */
export interface CustomHttpConfig extends HttpProviderSettings {
  type: 'custom-http';
  url: string;
  model: string;
  apiKey?: string;
  body: unknown;
  /** Where the answer text is, e.g. `output.choices[0].text`; an object found there is sent on as JSON. */
  answerPath: string;
  promptTokensPath?: string;
  completionTokensPath?: string;
}

export class CustomHttpProvider implements AiProvider {
  readonly id = 'custom-http';
  readonly model: string;
  readonly #config: CustomHttpConfig;
  readonly #http: ResolvedHttpSettings;
  readonly #secrets: string[];

  constructor(config: CustomHttpConfig, field = 'ai.provider') {
    requireUrl(config.url, `${field}.url`);
    this.model = requireText(config.model, `${field}.model`);
    if (config.body === undefined)
      throw aiConfigError(`${field}.body`, 'is required (the request template)');
    for (const key of ['answerPath', 'promptTokensPath', 'completionTokensPath'] as const) {
      const path = config[key];
      if (path === undefined && key !== 'answerPath') continue;
      try {
        parsePath(requireText(path, `${field}.${key}`));
      } catch (error) {
        throw aiConfigError(`${field}.${key}`, (error as Error).message);
      }
    }
    this.#config = config;
    this.#http = resolveHttpSettings(config, field);
    // Header values are credentials more often than not; none may surface in an error.
    this.#secrets = [config.apiKey ?? '', ...Object.values(config.headers ?? {})].filter(
      (s) => s.length >= 8,
    );
  }

  async complete(request: CompletionRequest): Promise<CompletionResult> {
    const values = this.#placeholders(request);
    const headers = Object.fromEntries(
      Object.entries(this.#http.headers).map(([k, v]) => [k, fillText(v, values)]),
    );
    const answer = await postJson(
      fillText(this.#config.url, values),
      fill(this.#config.body, values),
      {
        provider: this.id,
        headers,
        timeoutMs: this.#http.timeoutMs,
        retry: this.#http.retry,
        secrets: this.#secrets,
        ...(request.signal ? { signal: request.signal } : {}),
      },
    );
    const found = readPath(answer, this.#config.answerPath);
    if (found === undefined || found === null)
      throw aiProviderError(
        'ai_provider_bad_response',
        this.id,
        `AI provider ${this.id} answered without a value at ${this.#config.answerPath}`,
      );
    const text = typeof found === 'string' ? found : JSON.stringify(found);
    const tokens = (path: string | undefined) => {
      const v = path ? readPath(answer, path) : undefined;
      return typeof v === 'number' && Number.isFinite(v) ? v : undefined;
    };
    return {
      text,
      usage: {
        promptTokens:
          tokens(this.#config.promptTokensPath) ??
          estimateMessagesTokens([request.system, ...request.messages.map((m) => m.content)]),
        completionTokens: tokens(this.#config.completionTokensPath) ?? estimateTokens(text),
      },
    };
  }

  #placeholders(request: CompletionRequest): Record<string, unknown> {
    return {
      system: request.system,
      prompt: request.messages
        .filter((m) => m.role === 'user')
        .map((m) => m.content)
        .join('\n\n'),
      messages: [{ role: 'system', content: request.system }, ...request.messages],
      model: this.model,
      maxTokens: request.maxTokens,
      jsonSchema: request.jsonSchema ?? null,
      apiKey: this.#config.apiKey ?? '',
    };
  }

  toJSON() {
    return { id: this.id, model: this.model, url: this.#config.url };
  }
}

const PLACEHOLDER = /\{\{\s*(\w+)\s*\}\}/g;
const WHOLE = /^\{\{\s*(\w+)\s*\}\}$/;

function fill(template: unknown, values: Record<string, unknown>): unknown {
  if (typeof template === 'string') {
    const whole = WHOLE.exec(template);
    if (whole && whole[1]! in values) return values[whole[1]!];
    return fillText(template, values);
  }
  if (Array.isArray(template)) return template.map((item) => fill(item, values));
  if (template && typeof template === 'object')
    return Object.fromEntries(Object.entries(template).map(([k, v]) => [k, fill(v, values)]));
  return template;
}

function fillText(template: string, values: Record<string, unknown>): string {
  return template.replace(PLACEHOLDER, (all, name: string) => {
    if (!(name in values)) return all;
    const value = values[name];
    return typeof value === 'string' ? value : JSON.stringify(value);
  });
}
