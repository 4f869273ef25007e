import { Value } from '@sinclair/typebox/value';
import { afterEach, describe, expect, it } from 'vitest';
import {
  AiSettingsSchema,
  findingExplainer,
  type AiSettings,
} from '../../../src/providers/ai/index.js';
import type { FakeServer } from './fake-server.js';
import { shopFindings } from './findings.js';
import { startScriptedModel, validAnswer } from './scripted-model.js';

const settingsOf = (input: unknown): AiSettings => {
  const withDefaults = Value.Default(AiSettingsSchema, structuredClone(input)) as AiSettings;
  const problems = [...Value.Errors(AiSettingsSchema, withDefaults)].map(
    (e) => `${e.path}: ${e.message}`,
  );
  if (problems.length > 0) throw new Error(problems.join('\n'));
  return withDefaults;
};

let servers: FakeServer[] = [];
afterEach(async () => {
  await Promise.all(servers.map((s) => s.close()));
  servers = [];
});

describe('the ai config section', () => {
  it('defaults to rule explanations and a 50,000-token budget', async () => {
    const settings = settingsOf({});
    expect(settings).toEqual({
      tokenBudget: 50_000,
      maxAnswerTokens: 1024,
      maxFindingsPerBatch: 6,
      anonymize: true,
      cacheTtlSeconds: 604_800,
    });
    const { findings } = shopFindings();
    const result = await findingExplainer(settings)(findings);
    expect(result.explanations.every((e) => e.fallbackReason === 'no_provider')).toBe(true);
  });

  it('rejects a provider config naming the path of the problem', () => {
    expect(() => settingsOf({ provider: { type: 'ollama' } })).toThrow(/\/provider/);
    expect(() =>
      settingsOf({ provider: { type: 'openai-compatible', model: 'm', baseUrl: 'ftp://x' } }),
    ).toThrow(/\/provider/);
    expect(() => settingsOf({ tokenBudget: -1 })).toThrow(/\/tokenBudget/);
  });

  it('builds an explainer that calls the configured provider and caches its answers', async () => {
    const server = await startScriptedModel((turn) => validAnswer(turn));
    servers.push(server);
    const explain = findingExplainer(
      settingsOf({
        provider: {
          type: 'openai-compatible',
          vendor: 'vllm',
          baseUrl: `${server.url}/v1`,
          model: 'scripted',
        },
      }),
    );
    const { findings, objects } = shopFindings();
    const first = await explain(findings, { objects });
    expect(first.explanations.every((e) => e.source === 'ai')).toBe(true);
    const second = await explain(findings, { objects });
    expect(second.cacheHits).toBe(4);
    // One call for the web Deployment and its Pods, one for the unrelated PVC; none the second time.
    expect(server.requests).toHaveLength(2);
  });
});
