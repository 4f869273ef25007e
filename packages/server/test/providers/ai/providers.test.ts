import { inspect } from 'node:util';
import { afterEach, describe, expect, it } from 'vitest';
import {
  createAiProvider,
  registerAiProviderType,
  type AiProvider,
  type CompletionRequest,
} from '../../../src/providers/ai/index.js';
import { KubeOpsError } from '../../../src/core/errors.js';
import {
  chatCompletion,
  startFakeServer,
  type FakeServer,
  type RecordedRequest,
} from './fake-server.js';

const SCHEMA = { type: 'object', properties: { ok: { type: 'boolean' } }, required: ['ok'] };
const REQUEST: CompletionRequest = {
  system: 'You explain findings.',
  messages: [{ role: 'user', content: 'Explain F1.' }],
  jsonSchema: SCHEMA,
  maxTokens: 321,
};
const FAST_RETRY = { retries: 2, baseDelayMs: 5, maxDelayMs: 20 };

let servers: FakeServer[] = [];
afterEach(async () => {
  await Promise.all(servers.map((s) => s.close()));
  servers = [];
});
async function serve(handler: Parameters<typeof startFakeServer>[0]) {
  const server = await startFakeServer(handler);
  servers.push(server);
  return server;
}

/**
 * The chat completions protocol as OpenAI-style services implement it:
 * rejects a missing or wrong credential with 401 (echoing the key, as OpenAI
 * does), an unknown path with 404, and a body without messages with 400.
 */
function chatCompletionsFake(options: {
  path: string;
  auth: (req: RecordedRequest) => boolean;
  answer?: string;
}) {
  return (req: RecordedRequest) => {
    if (req.method !== 'POST' || req.path !== options.path)
      return { status: 404, body: { error: { message: `no route ${req.path}` } } };
    if (!options.auth(req))
      return {
        status: 401,
        body: {
          error: {
            message: `Incorrect API key provided: ${String(req.headers.authorization ?? req.headers['api-key'])}`,
          },
        },
      };
    if (!Array.isArray(req.body.messages))
      return { status: 400, body: { error: { message: 'messages is required' } } };
    return { body: chatCompletion(options.answer ?? '{"ok":true}') };
  };
}

const bearer = (key: string) => (req: RecordedRequest) =>
  req.headers.authorization === `Bearer ${key}`;

describe('OpenAI-compatible providers', () => {
  it('protocol fake of OpenAI: bearer key, model, system message, max_completion_tokens, json_schema output', async () => {
    const fake = await serve(
      chatCompletionsFake({ path: '/v1/chat/completions', auth: bearer('sk-openai-secret-1') }),
    );
    const provider = createAiProvider({
      type: 'openai-compatible',
      vendor: 'openai',
      baseUrl: `${fake.url}/v1`,
      apiKey: 'sk-openai-secret-1',
      model: 'gpt-4o-mini',
    });
    const result = await provider.complete(REQUEST);
    expect(result).toEqual({
      text: '{"ok":true}',
      usage: { promptTokens: 120, completionTokens: 40 },
    });
    const body = fake.requests[0]!.body;
    expect(body.model).toBe('gpt-4o-mini');
    expect(body.messages).toEqual([
      { role: 'system', content: 'You explain findings.' },
      { role: 'user', content: 'Explain F1.' },
    ]);
    expect(body.max_completion_tokens).toBe(321);
    expect(body.response_format).toEqual({
      type: 'json_schema',
      json_schema: { name: 'kubeops_answer', schema: SCHEMA, strict: false },
    });
    expect(provider.id).toBe('openai');
  });

  it('protocol fake of Azure OpenAI: deployment in the path, api-version in the query, api-key header, no model', async () => {
    const fake = await serve(
      chatCompletionsFake({
        path: '/openai/deployments/gpt4o-prod/chat/completions?api-version=2024-10-21',
        auth: (req) =>
          req.headers['api-key'] === 'azure-key-123456' && req.headers.authorization === undefined,
      }),
    );
    const provider = createAiProvider({
      type: 'azure-openai',
      endpoint: fake.url,
      deployment: 'gpt4o-prod',
      apiVersion: '2024-10-21',
      apiKey: 'azure-key-123456',
      model: 'gpt-4o',
    });
    expect((await provider.complete(REQUEST)).text).toBe('{"ok":true}');
    expect(fake.requests[0]!.body.model).toBeUndefined();
    expect(fake.requests[0]!.body.max_tokens).toBe(321);
    expect(provider.model).toBe('gpt-4o');
  });

  it('protocol fake of DeepSeek: JSON mode instead of a schema, max_tokens', async () => {
    const fake = await serve(
      chatCompletionsFake({ path: '/v1/chat/completions', auth: bearer('ds-key-abcdef') }),
    );
    const provider = createAiProvider({
      type: 'openai-compatible',
      vendor: 'deepseek',
      baseUrl: `${fake.url}/v1`,
      apiKey: 'ds-key-abcdef',
      model: 'deepseek-chat',
    });
    await provider.complete(REQUEST);
    expect(fake.requests[0]!.body.response_format).toEqual({ type: 'json_object' });
    expect(fake.requests[0]!.body.max_tokens).toBe(321);
  });

  it('protocol fake of Qwen (DashScope compatible mode): /compatible-mode/v1 path, JSON mode', async () => {
    const fake = await serve(
      chatCompletionsFake({
        path: '/compatible-mode/v1/chat/completions',
        auth: bearer('sk-dashscope-9876'),
      }),
    );
    const provider = createAiProvider({
      type: 'openai-compatible',
      vendor: 'qwen',
      baseUrl: `${fake.url}/compatible-mode/v1`,
      apiKey: 'sk-dashscope-9876',
      model: 'qwen-plus',
    });
    await provider.complete(REQUEST);
    expect(fake.requests[0]!.body).toMatchObject({
      model: 'qwen-plus',
      response_format: { type: 'json_object' },
    });
  });

  it('protocol fake of vLLM: no credential needed, json_schema output', async () => {
    const fake = await serve(
      chatCompletionsFake({ path: '/v1/chat/completions', auth: (r) => !r.headers.authorization }),
    );
    const provider = createAiProvider({
      type: 'openai-compatible',
      vendor: 'vllm',
      baseUrl: `${fake.url}/v1/`,
      model: 'Qwen/Qwen2.5-7B-Instruct',
    });
    await provider.complete(REQUEST);
    expect((fake.requests[0]!.body.response_format as { type: string }).type).toBe('json_schema');
  });

  it("protocol fake of Ollama's /v1: OpenAI shape at Ollama's port path", async () => {
    const fake = await serve(
      chatCompletionsFake({ path: '/v1/chat/completions', auth: () => true }),
    );
    const provider = createAiProvider({
      type: 'openai-compatible',
      vendor: 'ollama',
      baseUrl: `${fake.url}/v1`,
      model: 'llama3.2',
    });
    expect(provider.id).toBe('ollama');
    await provider.complete(REQUEST);
    expect(fake.requests[0]!.body.model).toBe('llama3.2');
  });

  it('estimates usage when the service reports none', async () => {
    const fake = await serve(() => ({
      body: { choices: [{ message: { content: '{"ok":true}' } }] },
    }));
    const provider = createAiProvider({ type: 'openai-compatible', baseUrl: fake.url, model: 'm' });
    const { usage } = await provider.complete(REQUEST);
    expect(usage.promptTokens).toBeGreaterThan(5);
    expect(usage.completionTokens).toBeGreaterThan(0);
  });

  it('reports an answer without content as a bad response', async () => {
    const fake = await serve(() => ({ body: { choices: [] } }));
    const provider = createAiProvider({ type: 'openai-compatible', baseUrl: fake.url, model: 'm' });
    await expect(provider.complete(REQUEST)).rejects.toMatchObject({
      code: 'ai_provider_bad_response',
      status: 502,
    });
  });
});

describe('native Ollama provider', () => {
  it('protocol fake of Ollama /api/chat: schema in format, stream off, num_predict, eval counts as usage', async () => {
    const fake = await serve((req) => {
      if (req.path !== '/api/chat') return { status: 404, body: '404 page not found' };
      if (req.body.stream !== false) return { body: '{"message":{"content":"{"}}\n{"done":true}' };
      return {
        body: {
          model: req.body.model,
          message: { role: 'assistant', content: '{"ok":true}' },
          done: true,
          prompt_eval_count: 77,
          eval_count: 9,
        },
      };
    });
    const provider = createAiProvider({
      type: 'ollama',
      baseUrl: fake.url,
      model: 'qwen2.5:0.5b',
      keepAlive: '10m',
      temperature: 0,
    });
    const result = await provider.complete(REQUEST);
    expect(result).toEqual({
      text: '{"ok":true}',
      usage: { promptTokens: 77, completionTokens: 9 },
    });
    expect(fake.requests[0]!.body).toMatchObject({
      model: 'qwen2.5:0.5b',
      format: SCHEMA,
      stream: false,
      keep_alive: '10m',
      options: { num_predict: 321, temperature: 0 },
    });
    expect((fake.requests[0]!.body.messages as unknown[])[0]).toEqual({
      role: 'system',
      content: 'You explain findings.',
    });
  });
});

describe('custom HTTP provider', () => {
  it('protocol fake of a custom model API: fills the template, reads the answer and usage by path', async () => {
    const fake = await serve((req) => {
      if (req.headers['x-api-key'] !== 'custom-secret-key')
        return { status: 403, body: { error: 'forbidden' } };
      return {
        body: {
          output: { choices: [{ text: '{"ok":true}' }] },
          meta: { tokens: { in: 55, out: 6 } },
        },
      };
    });
    const provider = createAiProvider({
      type: 'custom-http',
      url: `${fake.url}/generate?model={{model}}`,
      model: 'in-house-13b',
      apiKey: 'custom-secret-key',
      headers: { 'x-api-key': '{{apiKey}}' },
      body: {
        input: { chat: '{{messages}}', instruction: 'System: {{system}}' },
        parameters: { max_new_tokens: '{{maxTokens}}', guided_json: '{{jsonSchema}}' },
      },
      answerPath: 'output.choices[0].text',
      promptTokensPath: 'meta.tokens.in',
      completionTokensPath: '$.meta.tokens["out"]',
    });
    const result = await provider.complete(REQUEST);
    expect(result).toEqual({
      text: '{"ok":true}',
      usage: { promptTokens: 55, completionTokens: 6 },
    });
    const sent = fake.requests[0]!;
    expect(sent.path).toBe('/generate?model=in-house-13b');
    expect(sent.body).toEqual({
      input: {
        chat: [
          { role: 'system', content: 'You explain findings.' },
          { role: 'user', content: 'Explain F1.' },
        ],
        instruction: 'System: You explain findings.',
      },
      parameters: { max_new_tokens: 321, guided_json: SCHEMA },
    });
  });

  it('sends an object found at the answer path on as JSON text', async () => {
    const fake = await serve(() => ({ body: { result: { ok: true } } }));
    const provider = createAiProvider({
      type: 'custom-http',
      url: fake.url,
      model: 'm',
      body: { q: '{{prompt}}' },
      answerPath: 'result',
    });
    expect((await provider.complete(REQUEST)).text).toBe('{"ok":true}');
    expect(fake.requests[0]!.body).toEqual({ q: 'Explain F1.' });
  });

  it('names the missing answer path', async () => {
    const fake = await serve(() => ({ body: { other: 1 } }));
    const provider = createAiProvider({
      type: 'custom-http',
      url: fake.url,
      model: 'm',
      body: {},
      answerPath: 'data.text',
    });
    await expect(provider.complete(REQUEST)).rejects.toThrow(/data\.text/);
  });
});

describe('retries, timeouts and errors', () => {
  const provider = (url: string, extra: Record<string, unknown> = {}): AiProvider =>
    createAiProvider({
      type: 'openai-compatible',
      baseUrl: url,
      model: 'm',
      retry: FAST_RETRY,
      ...extra,
    });

  it('waits as long as Retry-After says on 429, then succeeds', async () => {
    const fake = await serve((_req, i) =>
      i === 0
        ? {
            status: 429,
            headers: { 'retry-after': '1' },
            body: { error: { message: 'rate limited' } },
          }
        : { body: chatCompletion('{"ok":true}') },
    );
    const started = Date.now();
    expect((await provider(fake.url).complete(REQUEST)).text).toBe('{"ok":true}');
    expect(Date.now() - started).toBeGreaterThanOrEqual(950);
    expect(fake.requests).toHaveLength(2);
  });

  it('backs off and retries 5xx, and gives up after the configured retries', async () => {
    const flaky = await serve((_req, i) =>
      i < 2 ? { status: 503, body: 'busy' } : { body: chatCompletion('{"ok":true}') },
    );
    expect((await provider(flaky.url).complete(REQUEST)).text).toBe('{"ok":true}');
    expect(flaky.requests).toHaveLength(3);

    const down = await serve(() => ({ status: 502, body: { error: 'bad gateway' } }));
    await expect(provider(down.url).complete(REQUEST)).rejects.toMatchObject({
      code: 'ai_provider_unavailable',
    });
    expect(down.requests).toHaveLength(3);
  });

  it('fails a Retry-After longer than the policy allows instead of stalling', async () => {
    const fake = await serve(() => ({ status: 429, headers: { 'retry-after': '3600' }, body: {} }));
    await expect(provider(fake.url).complete(REQUEST)).rejects.toMatchObject({
      code: 'ai_provider_rate_limited',
      status: 429,
    });
    expect(fake.requests).toHaveLength(1);
  });

  it('does not retry a 400 and passes the service message on', async () => {
    const fake = await serve(() => ({
      status: 400,
      body: { error: { message: "Invalid 'max_tokens': too large" } },
    }));
    const error = await provider(fake.url)
      .complete(REQUEST)
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(KubeOpsError);
    expect(error).toMatchObject({ code: 'ai_provider_rejected' });
    expect((error as Error).message).toContain("Invalid 'max_tokens'");
    expect(fake.requests).toHaveLength(1);
  });

  it('times out a slow service', async () => {
    const fake = await serve(() => ({ delayMs: 1_000, body: chatCompletion('{}') }));
    await expect(provider(fake.url, { timeoutMs: 150 }).complete(REQUEST)).rejects.toMatchObject({
      code: 'ai_provider_timeout',
      status: 504,
    });
  });

  it('stops when the caller cancels', async () => {
    const fake = await serve(() => ({ delayMs: 1_000, body: chatCompletion('{}') }));
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 50);
    await expect(
      provider(fake.url).complete({ ...REQUEST, signal: controller.signal }),
    ).rejects.toMatchObject({
      code: 'ai_request_aborted',
    });
  });

  it('reports an unreachable service with its address', async () => {
    const fake = await serve(() => ({ body: {} }));
    await fake.close();
    servers = [];
    await expect(provider(fake.url).complete(REQUEST)).rejects.toThrow(
      /unreachable at http:\/\/127\.0\.0\.1/,
    );
  });

  it('keeps the API key out of errors, JSON and inspection output even when the service echoes it', async () => {
    const key = 'sk-live-very-secret-0123456789';
    const fake = await serve(
      chatCompletionsFake({ path: '/v1/chat/completions', auth: bearer('another') }),
    );
    const p = createAiProvider({
      type: 'openai-compatible',
      vendor: 'openai',
      baseUrl: `${fake.url}/v1`,
      apiKey: key,
      model: 'm',
    });
    const error = (await p.complete(REQUEST).catch((e: unknown) => e)) as KubeOpsError;
    expect(error.code).toBe('ai_provider_unauthorized');
    expect(error.message).toContain('[redacted]');
    const everything = [
      error.message,
      JSON.stringify(error.toBody()),
      JSON.stringify(p),
      inspect(p, { depth: 5, showHidden: true }),
    ];
    for (const text of everything) expect(text).not.toContain(key);
  });
});

describe('provider configuration', () => {
  it('names the field that is wrong', () => {
    expect(() =>
      createAiProvider({ type: 'openai-compatible', vendor: 'openai', model: 'gpt-4o' }),
    ).toThrow('ai.provider.apiKey: is required for openai');
    expect(() =>
      createAiProvider({
        type: 'azure-openai',
        endpoint: 'https://x.openai.azure.com',
        deployment: 'd',
        apiKey: 'k',
      } as never),
    ).toThrow('ai.provider.apiVersion: is required');
    expect(() => createAiProvider({ type: 'ollama', baseUrl: 'ftp://host', model: 'm' })).toThrow(
      'ai.provider.baseUrl',
    );
    expect(() =>
      createAiProvider({
        type: 'custom-http',
        url: 'http://x',
        model: 'm',
        body: {},
        answerPath: 'a[',
      }),
    ).toThrow('ai.provider.answerPath');
    expect(() => createAiProvider({ type: 'gemini' })).toThrow(
      /ai\.provider\.type: must be one of/,
    );
    let error: unknown;
    try {
      createAiProvider({ type: 'openai-compatible', baseUrl: 'http://127.0.0.1:1/v1', model: '' });
    } catch (e) {
      error = e;
    }
    expect(error).toMatchObject({
      code: 'invalid_ai_provider_config',
      status: 400,
      details: { field: 'ai.provider.model' },
    });
  });

  it('lets a third party register a provider type', async () => {
    registerAiProviderType('echo-test', (config) => ({
      id: 'echo-test',
      model: String(config.model),
      complete: async (request) => ({
        text: request.messages[0]!.content,
        usage: { promptTokens: 1, completionTokens: 1 },
      }),
    }));
    const provider = createAiProvider({ type: 'echo-test', model: 'v1' });
    expect((await provider.complete(REQUEST)).text).toBe('Explain F1.');
    expect(() => registerAiProviderType('ollama', () => provider)).toThrow(/already registered/);
  });
});
