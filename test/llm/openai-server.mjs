/* global process, Buffer, AbortController */
// An OpenAI-compatible chat completions server over node-llama-cpp, for
// KubeOps's end-to-end test of the AI layer with a real local model.
//   node openai-server.mjs --model <file.gguf> [--host 127.0.0.1] [--port 58080] [--threads 2]
// NODE_LLAMA_CPP_DIR names the directory node-llama-cpp is installed in (see serve.sh).
//
// Implements GET /v1/models and POST /v1/chat/completions (non-streaming):
// messages, max_tokens / max_completion_tokens, temperature, and
// response_format json_schema / json_object, which constrain decoding with a
// grammar as llama.cpp's own server does; and POST /api/chat, Ollama's native
// chat with `format` (a JSON schema or "json") and options.num_predict.
import { createServer } from 'node:http';
import { basename, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';

const { values: args } = parseArgs({
  options: {
    model: { type: 'string' },
    host: { type: 'string', default: '127.0.0.1' },
    port: { type: 'string', default: '58080' },
    threads: { type: 'string', default: '1' },
    context: { type: 'string', default: '4096' },
  },
});
if (!args.model) throw new Error('--model <file.gguf> is required');
const libraryDir = process.env.NODE_LLAMA_CPP_DIR;
if (!libraryDir) throw new Error('NODE_LLAMA_CPP_DIR is not set');

const { getLlama, LlamaChatSession } = await import(
  pathToFileURL(join(libraryDir, 'node_modules', 'node-llama-cpp', 'dist', 'index.js')).href
);
// build: 'never' — use the prebuilt binaries from npm, never compile or download.
const llama = await getLlama({
  build: 'never',
  gpu: false,
  progressLogs: false,
  logLevel: 'error',
});
const model = await llama.loadModel({ modelPath: args.model });
const context = await model.createContext({
  contextSize: Number(args.context),
  threads: Number(args.threads),
});
const sequence = context.getSequence();
const modelId = basename(args.model).replace(/\.gguf$/i, '');

// Schema keywords the grammar builder understands; others (minimum, minLength...)
// are left to the client's own validation, as with llama.cpp's server.
const GRAMMAR_KEYS = new Set([
  'type',
  'properties',
  'required',
  'additionalProperties',
  'items',
  'enum',
  'const',
  'oneOf',
  'minItems',
  'maxItems',
]);
function grammarSchema(schema) {
  if (Array.isArray(schema)) return schema.map(grammarSchema);
  if (!schema || typeof schema !== 'object') return schema;
  const out = {};
  for (const [key, value] of Object.entries(schema)) {
    if (!GRAMMAR_KEYS.has(key)) continue;
    if (key === 'properties')
      out.properties = Object.fromEntries(
        Object.entries(value).map(([k, v]) => [k, grammarSchema(v)]),
      );
    else if (key === 'items' || key === 'oneOf') out[key] = grammarSchema(value);
    else out[key] = value;
  }
  return out;
}

async function grammarFor(format) {
  if (!format || format.type === 'text') return undefined;
  if (format.type === 'json_object') return llama.getGrammarFor('json');
  if (format.type === 'json_schema' && format.json_schema?.schema)
    return llama.createGrammarForJsonSchema(grammarSchema(format.json_schema.schema));
  throw Object.assign(new Error(`unsupported response_format.type ${format.type}`), {
    status: 400,
  });
}

let queue = Promise.resolve();
/** One completion at a time: the model has one context sequence. */
function serialized(fn) {
  const run = queue.then(fn, fn);
  queue = run.catch(() => {});
  return run;
}

/**
 * Runs one chat on the model. `format` is what constrains the answer: an
 * OpenAI response_format, or Ollama's `format` ("json" or a JSON schema).
 */
async function generate({ messages, maxTokens, temperature, grammar }, signal) {
  if (!Array.isArray(messages) || messages.length === 0)
    throw Object.assign(new Error('messages must be a non-empty array'), { status: 400 });
  const last = messages[messages.length - 1];
  if (last.role !== 'user')
    throw Object.assign(new Error('the last message must come from the user'), { status: 400 });
  const system = messages
    .filter((m) => m.role === 'system')
    .map((m) => m.content)
    .join('\n');
  const history = [];
  if (system) history.push({ type: 'system', text: system });
  for (const m of messages.slice(0, -1)) {
    if (m.role === 'user') history.push({ type: 'user', text: m.content });
    else if (m.role === 'assistant') history.push({ type: 'model', response: [m.content] });
  }

  await sequence.clearHistory();
  const session = new LlamaChatSession({ contextSequence: sequence, autoDisposeSequence: false });
  try {
    session.setChatHistory(history);
    if (signal.aborted) throw Object.assign(new Error('the client went away'), { status: 499 });
    const answer = await session.promptWithMeta(last.content, {
      maxTokens,
      signal,
      stopOnAbortSignal: true,
      ...(grammar ? { grammar } : {}),
      ...(typeof temperature === 'number' ? { temperature } : {}),
    });
    return {
      text: answer.responseText,
      truncated: answer.stopReason === 'maxTokens',
      promptTokens: messages.reduce((n, m) => n + model.tokenize(String(m.content)).length + 4, 0),
      completionTokens: model.tokenize(answer.responseText).length,
    };
  } finally {
    session.dispose({ disposeSequence: false });
  }
}

/** POST /v1/chat/completions */
async function chatCompletions(body, signal) {
  const out = await generate(
    {
      messages: body.messages,
      maxTokens: Number(body.max_completion_tokens ?? body.max_tokens ?? 256),
      temperature: body.temperature,
      grammar: await grammarFor(body.response_format),
    },
    signal,
  );
  return {
    id: `chatcmpl-${Date.now()}`,
    object: 'chat.completion',
    created: Math.floor(Date.now() / 1000),
    model: modelId,
    choices: [
      {
        index: 0,
        message: { role: 'assistant', content: out.text },
        finish_reason: out.truncated ? 'length' : 'stop',
      },
    ],
    usage: {
      prompt_tokens: out.promptTokens,
      completion_tokens: out.completionTokens,
      total_tokens: out.promptTokens + out.completionTokens,
    },
  };
}

/** POST /api/chat, Ollama's native protocol (non-streaming only). */
async function ollamaChat(body, signal) {
  if (body.stream !== false)
    throw Object.assign(new Error('only stream: false is implemented'), { status: 400 });
  const format = body.format;
  const grammar =
    format === 'json'
      ? await grammarFor({ type: 'json_object' })
      : format && typeof format === 'object'
        ? await grammarFor({ type: 'json_schema', json_schema: { schema: format } })
        : undefined;
  const out = await generate(
    {
      messages: body.messages,
      maxTokens: Number(body.options?.num_predict ?? 256),
      temperature: body.options?.temperature,
      grammar,
    },
    signal,
  );
  return {
    model: body.model ?? modelId,
    created_at: new Date().toISOString(),
    message: { role: 'assistant', content: out.text },
    done: true,
    done_reason: out.truncated ? 'length' : 'stop',
    prompt_eval_count: out.promptTokens,
    eval_count: out.completionTokens,
  };
}

const ROUTES = { '/v1/chat/completions': chatCompletions, '/api/chat': ollamaChat };

const send = (res, status, body) => {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
};

const server = createServer((req, res) => {
  if (req.method === 'GET' && (req.url === '/v1/models' || req.url === '/healthz'))
    return send(res, 200, {
      object: 'list',
      data: [{ id: modelId, object: 'model', owned_by: 'local' }],
    });
  const route = req.method === 'POST' ? ROUTES[req.url] : undefined;
  if (!route) return send(res, 404, { error: { message: `no route ${req.method} ${req.url}` } });
  const chunks = [];
  req.on('data', (c) => chunks.push(c));
  req.on('end', async () => {
    let body;
    try {
      body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
    } catch {
      return send(res, 400, { error: { message: 'the body is not JSON' } });
    }
    // A client that gave up (timed out) frees the model for the next request.
    const gone = new AbortController();
    res.on('close', () => gone.abort());
    try {
      send(res, 200, await serialized(() => route(body, gone.signal)));
    } catch (error) {
      send(res, error.status ?? 500, { error: { message: error.message } });
    }
  });
});
server.listen(Number(args.port), args.host, () => {
  process.stdout.write(`listening on http://${args.host}:${args.port}/v1 (${modelId})\n`);
});
for (const signal of ['SIGTERM', 'SIGINT'])
  process.on(signal, () => {
    server.close();
    void llama.dispose().finally(() => process.exit(0));
  });
