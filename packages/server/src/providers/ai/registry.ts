import { aiConfigError } from './errors.js';
import { CustomHttpProvider, type CustomHttpConfig } from './custom-http.js';
import { OllamaProvider, type OllamaConfig } from './ollama.js';
import {
  azureOpenAiProvider,
  openAiCompatibleProvider,
  type AzureOpenAiConfig,
  type OpenAiCompatibleConfig,
} from './openai-compatible.js';
import type { AiProvider } from './provider.js';

export type BuiltinAiProviderConfig =
  OpenAiCompatibleConfig | AzureOpenAiConfig | OllamaConfig | CustomHttpConfig;

/** A provider config: one of the built-in shapes, or `{type, ...}` for a registered third-party type. */
export type AiProviderConfig =
  BuiltinAiProviderConfig | ({ type: string } & Record<string, unknown>);

/** Builds a provider from its config; `field` names the config location in errors. */
export type AiProviderFactory = (config: Record<string, unknown>, field: string) => AiProvider;

const factories = new Map<string, AiProviderFactory>([
  [
    'openai-compatible',
    (c, f) => openAiCompatibleProvider(c as unknown as OpenAiCompatibleConfig, f),
  ],
  ['azure-openai', (c, f) => azureOpenAiProvider(c as unknown as AzureOpenAiConfig, f)],
  ['ollama', (c, f) => new OllamaProvider(c as unknown as OllamaConfig, f)],
  ['custom-http', (c, f) => new CustomHttpProvider(c as unknown as CustomHttpConfig, f)],
]);

/**
 * Lets a plugin add a provider type that configs can then name. The built-in
 * types cannot be replaced, so a plugin cannot silently reroute them.
 */
export function registerAiProviderType(type: string, factory: AiProviderFactory): void {
  if (!/^[a-z][a-z0-9-]*$/.test(type))
    throw aiConfigError(
      'type',
      `"${type}" is not a valid provider type (lowercase letters, digits, dashes)`,
    );
  if (factories.has(type))
    throw aiConfigError('type', `the provider type "${type}" is already registered`);
  factories.set(type, factory);
}

export function aiProviderTypes(): string[] {
  return [...factories.keys()];
}

export function createAiProvider(config: AiProviderConfig, field = 'ai.provider'): AiProvider {
  const factory = typeof config?.type === 'string' ? factories.get(config.type) : undefined;
  if (!factory)
    throw aiConfigError(`${field}.type`, `must be one of ${[...factories.keys()].join(', ')}`);
  return factory(config as Record<string, unknown>, field);
}
