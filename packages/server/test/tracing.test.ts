import { randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createContext } from '../src/context.js';
import { loadConfig } from '../src/core/config.js';
import { createLogger } from '../src/core/logging.js';
import { kubeopsTracer } from '../src/core/tracing.js';
import { buildApp } from '../src/http/app.js';
import { testEnvironment, type TestEnvironment } from './support/backends.js';

/** What an OTLP/HTTP JSON export request carries, as far as these tests read it. */
interface OtlpSpan {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  kind: number;
  attributes: Array<{ key: string; value: { stringValue?: string; intValue?: string | number } }>;
  status?: { code?: number };
}

/** A collector on a loopback port that keeps every span it is sent. */
class OtlpReceiver {
  readonly spans: OtlpSpan[] = [];
  readonly contentTypes: string[] = [];
  readonly services = new Set<string>();
  private server: Server | undefined;
  url = '';

  async start(): Promise<void> {
    this.server = createServer((request, response) => {
      const chunks: Buffer[] = [];
      request.on('data', (chunk: Buffer) => chunks.push(chunk));
      request.on('end', () => {
        this.contentTypes.push(String(request.headers['content-type']));
        if (request.url === '/v1/traces') {
          const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as {
            resourceSpans: Array<{
              resource: { attributes: OtlpSpan['attributes'] };
              scopeSpans: Array<{ spans: OtlpSpan[] }>;
            }>;
          };
          for (const rs of body.resourceSpans) {
            const service = rs.resource.attributes.find((a) => a.key === 'service.name');
            if (service?.value.stringValue) this.services.add(service.value.stringValue);
            for (const ss of rs.scopeSpans) this.spans.push(...ss.spans);
          }
        }
        response.writeHead(200, { 'content-type': 'application/json' }).end('{}');
      });
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as { port: number }).port}`;
  }

  async stop(): Promise<void> {
    await new Promise<void>((resolve) => this.server?.close(() => resolve()));
  }
}

const attribute = (span: OtlpSpan, key: string) => {
  const value = span.attributes.find((a) => a.key === key)?.value;
  return value?.stringValue ?? (value?.intValue === undefined ? undefined : Number(value.intValue));
};

/** A logger writing JSON lines into an array, to see what a request logged. */
function capturingLogger() {
  const lines: Array<Record<string, unknown>> = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      for (const line of chunk.toString('utf8').split('\n').filter(Boolean)) {
        lines.push(JSON.parse(line) as Record<string, unknown>);
      }
      callback();
    },
  });
  return { logger: createLogger('info', stream), lines };
}

describe('OpenTelemetry tracing, when configured', () => {
  const receiver = new OtlpReceiver();
  let env: TestEnvironment;
  const traceId = randomBytes(16).toString('hex');
  const callerSpanId = randomBytes(8).toString('hex');
  const captured = capturingLogger();
  let status = 0;
  let requestId = '';

  beforeAll(async () => {
    await receiver.start();
    env = testEnvironment('postgres');
    const ctx = await createContext(
      env.config({
        auth: { adminPassword: 'correct-horse-battery-staple' },
        tracing: { endpoint: receiver.url, serviceName: 'kubeops-under-test' },
      }),
      captured.logger,
    );
    const app = await buildApp(ctx);
    await app.ready();
    const login = await app.inject({
      method: 'POST',
      url: '/api/v1/auth/login',
      payload: { username: 'admin', password: 'correct-horse-battery-staple' },
    });
    const response = await app.inject({
      method: 'GET',
      url: '/api/v1/users',
      headers: {
        authorization: `Bearer ${login.json().accessToken as string}`,
        // The caller's trace: KubeOps's spans must join it.
        traceparent: `00-${traceId}-${callerSpanId}-01`,
      },
    });
    status = response.statusCode;
    requestId = String(response.headers['x-request-id']);
    await app.close();
    // Closing flushes the spans still in the batch.
    await ctx.lifecycle.close();
  });

  afterAll(async () => {
    await receiver.stop();
    await env?.cleanup();
  });

  it('sends a server span per request, named by route, with its status, in the caller trace', () => {
    expect(status).toBe(200);
    expect(receiver.contentTypes).toContain('application/json');
    expect(receiver.services).toEqual(new Set(['kubeops-under-test']));
    const server = receiver.spans.find((s) => s.traceId === traceId && s.kind === 2);
    expect(server).toBeDefined();
    expect(server!.name).toBe('GET /api/v1/users');
    expect(server!.parentSpanId).toBe(callerSpanId);
    expect(attribute(server!, 'http.route')).toBe('/api/v1/users');
    expect(attribute(server!, 'http.request.method')).toBe('GET');
    expect(attribute(server!, 'http.response.status_code')).toBe(200);
  });

  it("records the request's database queries as child spans", () => {
    const server = receiver.spans.find((s) => s.traceId === traceId && s.kind === 2)!;
    const queries = receiver.spans.filter((s) => s.traceId === traceId && s.kind === 3);
    expect(queries.length).toBeGreaterThan(0);
    for (const query of queries) {
      expect(query.parentSpanId).toBe(server.spanId);
      expect(attribute(query, 'db.system.name')).toBe('postgresql');
      expect(String(attribute(query, 'db.query.text'))).not.toMatch(/\$argon2/);
    }
    expect(
      queries.some((q) => /FROM\s+\S*users/i.test(String(attribute(q, 'db.query.text')))),
    ).toBe(true);
  });

  it('puts the trace id on every log line of the request', () => {
    const lines = captured.lines.filter((line) => line.reqId === requestId);
    expect(lines.map((l) => l.msg)).toEqual(
      expect.arrayContaining(['incoming request', 'request completed']),
    );
    for (const line of lines) expect(line.traceId).toBe(traceId);
  });

  it('does not start a trace per background query', () => {
    const untraced = receiver.spans.filter((s) => s.kind === 3 && !s.parentSpanId);
    expect(untraced).toEqual([]);
  });
});

describe('OpenTelemetry tracing, when not configured', () => {
  it('starts no SDK and sends nothing', async () => {
    const env = testEnvironment('postgres');
    const captured = capturingLogger();
    const ctx = await createContext(
      env.config({ auth: { adminPassword: 'x'.repeat(16) } }),
      captured.logger,
    );
    try {
      expect(ctx.tracing).toBeUndefined();
      const app = await buildApp(ctx);
      const response = await app.inject({ method: 'GET', url: '/healthz' });
      expect(response.statusCode).toBe(200);
      // The global API has no SDK behind it: spans are not recorded.
      const span = kubeopsTracer().startSpan('probe');
      expect(span.isRecording()).toBe(false);
      span.end();
      expect(captured.lines.some((line) => 'traceId' in line)).toBe(false);
      await app.close();
    } finally {
      await ctx.lifecycle.close();
      await env.cleanup();
    }
  });
});

describe('tracing settings', () => {
  it('takes the collector from KUBEOPS_OTEL_EXPORTER_OTLP_ENDPOINT, else the standard OTel name', () => {
    const both = loadConfig({
      env: {
        KUBEOPS_OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector.kubeops:4318',
        OTEL_EXPORTER_OTLP_ENDPOINT: 'http://other:4318',
      },
    });
    expect(both.tracing.endpoint).toBe('http://collector.kubeops:4318');
    const standard = loadConfig({ env: { OTEL_EXPORTER_OTLP_ENDPOINT: 'http://other:4318' } });
    expect(standard.tracing.endpoint).toBe('http://other:4318');
    expect(loadConfig({ env: {} }).tracing.endpoint).toBeUndefined();
  });

  it('rejects an endpoint that is not an http(s) URL, naming the key', () => {
    expect(() =>
      loadConfig({ env: { KUBEOPS_OTEL_EXPORTER_OTLP_ENDPOINT: 'collector:4318' } }),
    ).toThrow(/tracing\.endpoint/);
  });
});
