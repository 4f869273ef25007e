import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createAiProvider,
  explainFindings,
  MemoryExplanationCache,
  type AiProvider,
  type CompletionRequest,
  type CompletionResult,
} from '../../../src/providers/ai/index.js';
import { shopFindings } from './findings.js';

/**
 * The AI layer against a real local OpenAI-compatible model server:
 * node-llama-cpp serving SmolLM2-135M (test/llm/serve.sh). A 135M model
 * writes weak JSON, so the test holds the pipeline to account — the request,
 * grammar-constrained JSON, validation, retry and fallback, caching, budget —
 * not the model's diagnosis. KUBEOPS_TEST_LLM=0 skips it.
 */
const repo = resolve(import.meta.dirname, '../../../../..');
const enabled = process.env.KUBEOPS_TEST_LLM !== '0';

interface Exchange {
  request: CompletionRequest;
  result: CompletionResult;
}

/** Records what went to the model and what came back, on top of the real provider. */
function recording(provider: AiProvider): AiProvider & { exchanges: Exchange[] } {
  const exchanges: Exchange[] = [];
  return {
    id: provider.id,
    model: provider.model,
    exchanges,
    async complete(request) {
      const result = await provider.complete(request);
      exchanges.push({ request, result });
      return result;
    },
  };
}

describe.runIf(enabled)(
  'explainFindings through a real local model (SmolLM2-135M on node-llama-cpp)',
  () => {
    let env: Record<string, string> = {};
    let started = false;

    beforeAll(() => {
      const out = execFileSync('bash', [resolve(repo, 'test/llm/serve.sh'), 'up'], {
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'inherit'],
        timeout: 15 * 60_000,
      });
      const file = out.trim().split('\n').pop()!;
      env = Object.fromEntries(
        readFileSync(file, 'utf8')
          .split('\n')
          .filter((l) => l.includes('='))
          .map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]),
      );
      started = env.STARTED === '1';
    }, 15 * 60_000);

    afterAll(() => {
      if (started && process.env.KUBEOPS_KEEP_TEST_ENV !== '1')
        execFileSync('bash', [resolve(repo, 'test/llm/serve.sh'), 'down'], { stdio: 'inherit' });
    });

    it(
      'validates, retries or falls back, caches valid answers and respects the budget',
      async () => {
        const provider = recording(
          createAiProvider({
            type: 'openai-compatible',
            vendor: 'generic',
            baseUrl: env.LLM_BASE_URL!,
            model: env.LLM_MODEL!,
            temperature: 0,
            timeoutMs: 480_000,
            retry: { retries: 0 },
          }),
        );
        const { findings, objects } = shopFindings();
        const pvc = findings[3]!;
        const cache = new MemoryExplanationCache();
        const options = { provider, cache, tokenBudget: 20_000, maxAnswerTokens: 300 };

        const first = await explainFindings([pvc], { objects }, options);
        const explanation = first.explanations[0]!;

        // What reached the model: anonymized, with the schema, and answered with real token counts.
        expect(provider.exchanges.length).toBeGreaterThanOrEqual(1);
        const sent = JSON.stringify(provider.exchanges.map((e) => e.request));
        for (const real of ['shop', 'cache-data', 'fast-ssd']) expect(sent).not.toContain(real);
        expect(provider.exchanges[0]!.request.messages[0]!.content).toContain(
          '[F1] rule=pvc-pending',
        );
        for (const { result } of provider.exchanges) {
          expect(result.usage.promptTokens).toBeGreaterThan(100);
          expect(result.usage.completionTokens).toBeGreaterThan(0);
        }
        // The server constrains decoding to the schema, so the answer starts as JSON.
        expect(provider.exchanges[0]!.result.text.trimStart().startsWith('{')).toBe(true);
        expect(first.budget.usedTokens).toBe(
          provider.exchanges.reduce(
            (n, e) => n + e.result.usage.promptTokens + e.result.usage.completionTokens,
            0,
          ),
        );

        if (explanation.source === 'ai') {
          // A valid answer: parsed, references real evidence, names restored, cached.
          expect(explanation.confidence).toBeGreaterThanOrEqual(0);
          expect(explanation.confidence).toBeLessThanOrEqual(1);
          expect(explanation.evidence).toEqual([{ fingerprint: pvc.fingerprint, index: 0 }]);
          expect(explanation.rootCause).not.toMatch(/\b(ns|pvc|sc)-\d+\b/);
          const again = await explainFindings([pvc], { objects }, options);
          expect(again.cacheHits).toBe(1);
          expect(again.calls).toBe(0);
        } else {
          // An invalid answer: retried once with the problems, then the rule's explanation.
          expect(explanation).toMatchObject({
            source: 'rule',
            fallbackReason: 'invalid_output',
            rootCause: pvc.message,
          });
          expect(first.calls).toBe(2);
          const retry = provider.exchanges[1]!.request.messages;
          expect(retry.map((m) => m.role)).toEqual(['user', 'assistant', 'user']);
          expect(retry[2]!.content).toMatch(/does not match the schema/);
          expect(
            await cache.getMany([pvc.fingerprint], {
              model: first.model!,
              promptVersion: first.promptVersion,
            }),
          ).toEqual(new Map());
        }

        // A budget too small for one call stops before calling.
        const calls = provider.exchanges.length;
        const starved = await explainFindings(
          findings.slice(0, 3),
          { objects },
          { ...options, tokenBudget: 500 },
        );
        expect(provider.exchanges.length).toBe(calls);
        expect(starved.budget.exhausted).toBe(true);
        expect(starved.explanations.every((e) => e.fallbackReason === 'budget_exhausted')).toBe(
          true,
        );
      },
      10 * 60_000,
    );

    it(
      "speaks Ollama's native /api/chat with the schema in format",
      async () => {
        const provider = recording(
          createAiProvider({
            type: 'ollama',
            baseUrl: env.LLM_BASE_URL!.replace(/\/v1$/, ''),
            model: env.LLM_MODEL!,
            temperature: 0,
            timeoutMs: 480_000,
            retry: { retries: 0 },
          }),
        );
        const { findings, objects } = shopFindings();
        // A budget for one call: the native protocol needs proving once, not a retry on a slow CPU.
        const result = await explainFindings(
          [findings[3]!],
          { objects },
          { provider, maxAnswerTokens: 300, tokenBudget: 2_000 },
        );
        expect(provider.exchanges).toHaveLength(1);
        expect(provider.exchanges[0]!.result.text.trimStart().startsWith('{')).toBe(true);
        expect(provider.exchanges[0]!.result.usage.promptTokens).toBeGreaterThan(100);
        const explanation = result.explanations[0]!;
        if (explanation.source === 'ai')
          expect(explanation.evidence).toEqual([{ fingerprint: 'fp-cache', index: 0 }]);
        else expect(explanation.fallbackReason).toBe('invalid_output');
      },
      10 * 60_000,
    );
  },
);
