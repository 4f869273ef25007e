import { KubeOpsError } from '../../core/errors.js';

/**
 * Failures of an AI provider call. They are 502/504 from KubeOps's point of
 * view: the model service, not the KubeOps user, is at fault, and an
 * inspection goes on with the rules' own explanations.
 */
export const aiProviderError = (
  code:
    | 'ai_provider_unavailable'
    | 'ai_provider_rate_limited'
    | 'ai_provider_unauthorized'
    | 'ai_provider_rejected'
    | 'ai_provider_bad_response',
  provider: string,
  message: string,
  details: Record<string, unknown> = {},
) =>
  new KubeOpsError(code, code === 'ai_provider_rate_limited' ? 429 : 502, message, {
    details: { provider, ...details },
  });

export const aiProviderTimeout = (provider: string, timeoutMs: number) =>
  new KubeOpsError(
    'ai_provider_timeout',
    504,
    `AI provider ${provider} did not answer within ${timeoutMs} ms; raise its timeoutMs or use a faster model`,
    { details: { provider, timeoutMs } },
  );

export const aiRequestAborted = (provider: string) =>
  new KubeOpsError('ai_request_aborted', 499, `The call to AI provider ${provider} was cancelled`, {
    details: { provider },
  });

/** A provider configuration problem, naming the field as the config file spells it. */
export const aiConfigError = (field: string, message: string) =>
  new KubeOpsError('invalid_ai_provider_config', 400, `${field}: ${message}`, {
    details: { field },
  });

/** Errors after which calling the same provider again in this run is pointless. */
export const isFatalProviderError = (error: unknown) =>
  error instanceof KubeOpsError &&
  (error.code === 'ai_provider_unauthorized' || error.code === 'ai_request_aborted');
