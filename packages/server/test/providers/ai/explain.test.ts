import { Writable } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { createLogger } from '../../../src/core/logging.js';
import {
  createAiProvider,
  explainFindings,
  MemoryExplanationCache,
  PROMPT_VERSION,
  type AiProvider,
} from '../../../src/providers/ai/index.js';
import { chatCompletion, startFakeServer, type FakeServer } from './fake-server.js';
import { shopFindings } from './findings.js';
import { startScriptedModel, validAnswer, type ModelTurn } from './scripted-model.js';

let servers: FakeServer[] = [];
afterEach(async () => {
  await Promise.all(servers.map((s) => s.close()));
  servers = [];
});

async function model(script: Parameters<typeof startScriptedModel>[0]) {
  const server = await startScriptedModel(script);
  servers.push(server);
  const provider = createAiProvider({
    type: 'openai-compatible',
    vendor: 'vllm',
    baseUrl: `${server.url}/v1`,
    model: 'scripted',
    retry: { retries: 0 },
  });
  return { server, provider };
}

const turns = (server: FakeServer): ModelTurn[] =>
  server.requests.map((request) => {
    const messages = request.body.messages as Array<{ content: string }>;
    return { request, findingIds: [], evidenceIds: [], prompt: messages[1]!.content };
  });

describe('explainFindings without a provider', () => {
  it('explains every finding from its rule, in input order and the same shape', async () => {
    const { findings } = shopFindings();
    const result = await explainFindings(findings, {});
    expect(result.explanations.map((e) => e.fingerprint)).toEqual(
      findings.map((f) => f.fingerprint),
    );
    expect(result.explanations[1]).toEqual({
      fingerprint: 'fp-web-a',
      ruleId: 'pod-crashloop',
      source: 'rule',
      cached: false,
      rootCause: 'Container app of web-7d9f-aaaaa is in CrashLoopBackOff',
      evidence: [
        { fingerprint: 'fp-web-a', index: 0 },
        { fingerprint: 'fp-web-a', index: 1 },
      ],
      remediationSteps: ['Look at web-7d9f-aaaaa in shop'],
      confidence: 1,
      fallbackReason: 'no_provider',
    });
    expect(result.calls).toBe(0);
    expect(result.notes).toEqual([
      'No AI provider is configured: every finding is explained by its rule.',
    ]);
  });
});

describe('explainFindings with a provider', () => {
  it('batches a workload with its pods, parses the answer and restores the real names', async () => {
    const { findings, objects, events } = shopFindings();
    const { server, provider } = await model((turn) => validAnswer(turn));
    const result = await explainFindings(findings, { objects, events }, { provider });

    // The Deployment and its two Pods share one call; the PVC is on its own.
    expect(server.requests).toHaveLength(2);
    const [first, second] = turns(server);
    expect(first!.prompt.match(/^\[F\d\]/gm)).toEqual(['[F1]', '[F2]', '[F3]']);
    expect(second!.prompt.match(/^\[F\d\]/gm)).toEqual(['[F1]']);
    expect(first!.prompt).toContain(
      'event Pod ns-1/pod-1: BackOff Back-off restarting failed container',
    );
    for (const real of ['shop', 'web-7d9f-aaaaa', '10.20.30.40', 'cache-data', 'fast-ssd'])
      expect(JSON.stringify(server.requests.map((r) => r.body))).not.toContain(real);

    const byFingerprint = new Map(result.explanations.map((e) => [e.fingerprint, e]));
    const pod = byFingerprint.get('fp-web-a')!;
    expect(pod).toMatchObject({
      source: 'ai',
      cached: false,
      rootCause: 'shop/web-7d9f-aaaaa cannot reach its database',
      remediationSteps: ['Check the database address used by shop/web-7d9f-aaaaa'],
      confidence: 0.8,
      model: 'vllm/scripted',
      promptVersion: PROMPT_VERSION,
    });
    expect(pod.evidence).toContainEqual({ fingerprint: 'fp-web-a', index: 0 });
    expect(byFingerprint.get('fp-cache')!.rootCause).toBe(
      'shop/cache-data cannot reach its database',
    );
    expect(result).toMatchObject({
      calls: 2,
      cacheHits: 0,
      model: 'vllm/scripted',
      budget: { exhausted: false },
    });
    expect(result.budget.usedTokens).toBe(2 * 160);
  });

  it('blanks credentials that logs and events print before anything is sent', async () => {
    const { findings, objects, events } = shopFindings();
    const { server, provider } = await model((turn) => validAnswer(turn));
    const leaky = [
      ...events,
      {
        apiVersion: 'v1',
        kind: 'Event',
        metadata: { name: 'e2', namespace: 'shop' },
        involvedObject: { kind: 'Pod', namespace: 'shop', name: 'web-7d9f-bbbbb' },
        reason: 'Unhealthy',
        message: 'probe sent Authorization: Bearer abcdefghijklmnop0123',
      },
    ];
    const logs = [
      {
        namespace: 'shop',
        pod: 'web-7d9f-aaaaa',
        container: 'app',
        lines: [
          'connecting to postgres://app:pa55w0rd-x@db.shop.svc:5432/orders',
          { t: '2025-06-01T10:00:00Z', line: 'login with DB_PASSWORD=hunter2-prod failed' },
        ],
      },
    ];
    await explainFindings(findings.slice(0, 3), { objects, events: leaky, logs }, { provider });
    const sent = JSON.stringify(server.requests.map((r) => r.body));
    for (const secret of ['abcdefghijklmnop0123', 'pa55w0rd-x', 'hunter2-prod', 'db.shop.svc'])
      expect(sent).not.toContain(secret);
    expect(sent).toContain('Bearer [redacted]');
    expect(sent).toContain('DB_PASSWORD=[redacted] failed');
  });

  it('sends real names when anonymization is switched off', async () => {
    const { findings, objects } = shopFindings();
    const { server, provider } = await model((turn) => validAnswer(turn));
    const result = await explainFindings(
      findings.slice(3),
      { objects },
      { provider, anonymize: false },
    );
    const prompt = (server.requests[0]!.body.messages as Array<{ content: string }>)[1]!.content;
    expect(prompt).toContain('resource: PersistentVolumeClaim shop/cache-data');
    expect(result.explanations[0]!.rootCause).toBe('shop/cache-data cannot reach its database');
  });

  it('accepts an answer citing no evidence when the findings have none', async () => {
    const { findings } = shopFindings();
    const bare = { ...findings[3]!, evidence: [] };
    const { server, provider } = await model((turn) => validAnswer(turn));
    const result = await explainFindings([bare], {}, { provider });
    const schema = (
      server.requests[0]!.body.response_format as { json_schema: { schema: unknown } }
    ).json_schema.schema;
    expect(JSON.stringify(schema)).toContain('"evidence":{"type":"array","maxItems":0');
    expect(result.explanations[0]).toMatchObject({ source: 'ai', evidence: [] });
  });

  it('cuts large groups into batches of the configured size', async () => {
    const { findings, objects } = shopFindings();
    const { server, provider } = await model((turn) => validAnswer(turn));
    await explainFindings(findings, { objects }, { provider, maxFindingsPerBatch: 2 });
    expect(turns(server).map((t) => t.prompt.match(/^\[F\d\]/gm)!.length)).toEqual([2, 1, 1]);
  });

  it('retries an invalid answer once with the validation errors, then uses the corrected one', async () => {
    const { findings } = shopFindings();
    const { server, provider } = await model((turn, i) =>
      i === 0
        ? JSON.stringify({
            explanations: [
              {
                finding: 'F1',
                rootCause: 'x',
                evidence: ['F1.E9'],
                remediation: ['y'],
                confidence: 7,
              },
            ],
          })
        : validAnswer(turn, 0.6),
    );
    const result = await explainFindings([findings[3]!], {}, { provider });
    expect(server.requests).toHaveLength(2);
    const retry = server.requests[1]!.body.messages as Array<{ role: string; content: string }>;
    expect(retry.map((m) => m.role)).toEqual(['system', 'user', 'assistant', 'user']);
    expect(retry[3]!.content).toContain('$.explanations[0].confidence: must be at most 1');
    expect(retry[3]!.content).toContain('"F1.E9" is not one of "F1.E1"');
    expect(result.explanations[0]).toMatchObject({ source: 'ai', confidence: 0.6 });
    expect(result.calls).toBe(2);
  });

  it("falls back to the rule's explanation when the answer stays invalid, keeping entries that were valid", async () => {
    const { findings, objects } = shopFindings();
    const { server, provider } = await model((turn) => {
      const answer = JSON.parse(validAnswer(turn)) as {
        explanations: Array<Record<string, unknown>>;
      };
      // The second finding is always cited with evidence that does not exist.
      if (answer.explanations[1]) answer.explanations[1].evidence = ['F9.E1'];
      return `Here is the analysis:\n\`\`\`json\n${JSON.stringify(answer)}\n\`\`\``;
    });
    const result = await explainFindings(findings.slice(0, 3), { objects }, { provider });
    expect(server.requests).toHaveLength(2);
    const sources = result.explanations.map((e) => [e.fingerprint, e.source, e.fallbackReason]);
    expect(sources).toContainEqual(['fp-web', 'ai', undefined]);
    expect(sources.filter(([, source]) => source === 'rule')).toEqual([
      [expect.any(String), 'rule', 'invalid_output'],
    ]);
  });

  it('drops unparseable output to the rule explanations after one retry', async () => {
    const { findings } = shopFindings();
    const { server, provider } = await model(() => 'I think the pod is sad.');
    const result = await explainFindings(findings.slice(3), {}, { provider });
    expect(server.requests).toHaveLength(2);
    expect((server.requests[1]!.body.messages as Array<{ content: string }>)[3]!.content).toContain(
      'the answer is not JSON',
    );
    expect(result.explanations[0]).toMatchObject({
      source: 'rule',
      fallbackReason: 'invalid_output',
    });
  });

  it('stops calling when the token budget is spent, and says so', async () => {
    const { findings, objects } = shopFindings();
    const { server, provider } = await model((turn) => ({
      status: 200,
      body: chatCompletion(validAnswer(turn), { prompt_tokens: 1_500, completion_tokens: 300 }),
    }));
    // The first batch's estimate (prompt + 600 reserved for the answer) fits; after it
    // reports 1,800 tokens spent, the second batch's estimate no longer does.
    const result = await explainFindings(
      findings,
      { objects },
      { provider, tokenBudget: 2_500, maxAnswerTokens: 600 },
    );
    expect(server.requests).toHaveLength(1);
    expect(result.budget).toEqual({ limitTokens: 2_500, usedTokens: 1_800, exhausted: true });
    const pvc = result.explanations.find((e) => e.fingerprint === 'fp-cache')!;
    expect(pvc).toMatchObject({ source: 'rule', fallbackReason: 'budget_exhausted' });
    expect(result.explanations.filter((e) => e.source === 'ai')).toHaveLength(3);
    expect(result.notes.join(' ')).toMatch(
      /token budget of 2500 was spent .*1 finding\(s\) are explained by their rules/,
    );

    const none = await explainFindings(findings, { objects }, { provider, tokenBudget: 100 });
    expect(server.requests).toHaveLength(1);
    expect(none.explanations.every((e) => e.fallbackReason === 'budget_exhausted')).toBe(true);
  });

  it('serves repeated findings from the cache by fingerprint, model and prompt version', async () => {
    const { findings, objects } = shopFindings();
    const cache = new MemoryExplanationCache();
    const { server, provider } = await model((turn) => validAnswer(turn));
    const first = await explainFindings(findings, { objects }, { provider, cache });
    const second = await explainFindings(findings, { objects }, { provider, cache });
    expect(server.requests).toHaveLength(2);
    expect(second.cacheHits).toBe(4);
    expect(second.calls).toBe(0);
    expect(second.explanations.every((e) => e.cached)).toBe(true);
    expect(second.explanations.map((e) => ({ ...e, cached: false }))).toEqual(first.explanations);

    // Another model misses the cache.
    const other: AiProvider = {
      id: provider.id,
      model: 'bigger',
      complete: (r) => provider.complete(r),
    };
    const third = await explainFindings(findings.slice(3), {}, { provider: other, cache });
    expect(third.cacheHits).toBe(0);
    expect(server.requests).toHaveLength(3);
    expect(
      await cache.getMany(['fp-web'], { model: 'vllm/scripted', promptVersion: 'older-prompt' }),
    ).toEqual(new Map());
  });

  it("keeps the rule's explanation when the provider fails, and stops after an authentication failure", async () => {
    const { findings, objects } = shopFindings();
    const failing = await startFakeServer(() => ({ status: 500, body: { error: 'boom' } }));
    servers.push(failing);
    const provider = createAiProvider({
      type: 'openai-compatible',
      baseUrl: failing.url,
      model: 'm',
      retry: { retries: 0 },
    });
    const result = await explainFindings(findings, { objects }, { provider });
    expect(failing.requests).toHaveLength(2);
    expect(
      result.explanations.every(
        (e) => e.source === 'rule' && e.fallbackReason === 'provider_error',
      ),
    ).toBe(true);
    expect(result.notes[0]).toMatch(/AI provider openai-compatible answered HTTP 500/);

    const denying = await startFakeServer(() => ({ status: 401, body: { error: 'bad key' } }));
    servers.push(denying);
    const unauthorized = createAiProvider({
      type: 'openai-compatible',
      baseUrl: denying.url,
      apiKey: 'k-123456789',
      model: 'm',
    });
    await explainFindings(findings, { objects }, { provider: unauthorized });
    expect(denying.requests).toHaveLength(1);
  });

  it('keeps the valid part of an answer when the retry call fails', async () => {
    const { findings, objects } = shopFindings();
    const { provider } = await model((turn, i) => {
      if (i > 0) return { status: 503, body: { error: 'overloaded' } };
      const answer = JSON.parse(validAnswer(turn)) as { explanations: unknown[] };
      return JSON.stringify({ explanations: answer.explanations.slice(0, 1) });
    });
    const result = await explainFindings(findings.slice(0, 3), { objects }, { provider });
    expect(result.explanations.map((e) => e.source)).toEqual(['ai', 'rule', 'rule']);
    expect(result.explanations[1]!.fallbackReason).toBe('provider_error');
  });

  it('carries on without the cache when the cache cannot be read', async () => {
    const { findings } = shopFindings();
    const { server, provider } = await model((turn) => validAnswer(turn));
    const broken = {
      getMany: () => Promise.reject(new Error('connection refused')),
      setMany: () => Promise.reject(new Error('connection refused')),
    };
    const result = await explainFindings(findings.slice(3), {}, { provider, cache: broken });
    expect(server.requests).toHaveLength(1);
    expect(result.explanations[0]!.source).toBe('ai');
  });

  it('never writes the API key to the log', async () => {
    const key = 'sk-proj-SECRET-abcdefghijklmnop';
    const lines: string[] = [];
    const logger = createLogger(
      'debug',
      new Writable({
        write(chunk: Buffer, _enc, done) {
          lines.push(chunk.toString());
          done();
        },
      }),
    );
    const { findings } = shopFindings();
    const echo = await startFakeServer((req, i) =>
      i === 0
        ? {
            status: 401,
            body: {
              error: {
                message: `Incorrect API key provided: ${String(req.headers.authorization)}`,
              },
            },
          }
        : { body: chatCompletion('not json') },
    );
    servers.push(echo);
    const provider = createAiProvider({
      type: 'openai-compatible',
      vendor: 'openai',
      baseUrl: echo.url,
      apiKey: key,
      model: 'm',
    });
    await explainFindings(findings, {}, { provider, logger });
    await explainFindings(findings.slice(3), {}, { provider, logger, tokenBudget: 100_000 });
    expect(lines.length).toBeGreaterThan(1);
    expect(lines.join('\n')).toContain('[redacted]');
    expect(lines.join('\n')).not.toContain(key);
    expect(lines.join('\n')).not.toContain('SECRET');
  });
});
