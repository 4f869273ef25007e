/**
 * The plugin interface every AI provider implements. KubeOps ships
 * OpenAI-compatible, Azure OpenAI, native Ollama and custom-HTTP providers; a
 * third party implements this interface (and optionally registers a factory
 * with `registerAiProviderType`) to bring any other model service.
 *
 * A provider only moves text: prompts, anonymization, validation, caching and
 * budgets live above it, so a new provider stays a small wire adapter.
 */
export interface AiProvider {
  /** Provider type and instance, e.g. "openai", "azure-openai", "ollama"; part of cache keys. */
  readonly id: string;
  /** The model answering; part of cache keys, so a model change invalidates cached answers. */
  readonly model: string;
  complete(request: CompletionRequest): Promise<CompletionResult>;
}

export interface ChatMessage {
  role: 'user' | 'assistant';
  content: string;
}

export interface CompletionRequest {
  system: string;
  messages: ChatMessage[];
  /**
   * JSON schema the answer must satisfy. Providers that support structured
   * output pass it on (OpenAI `response_format`, Ollama `format`); the caller
   * validates the answer either way.
   */
  jsonSchema?: Record<string, unknown>;
  /** Upper bound on the answer's tokens. */
  maxTokens: number;
  signal?: AbortSignal;
}

export interface TokenUsage {
  promptTokens: number;
  completionTokens: number;
}

export interface CompletionResult {
  text: string;
  /** As reported by the service; estimated by the provider when the service reports none. */
  usage: TokenUsage;
}
