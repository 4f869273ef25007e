import type { IncomingMessage } from 'node:http';
import {
  ROOT_CONTEXT,
  SpanKind,
  SpanStatusCode,
  context,
  propagation,
  trace,
  type Span,
  type Tracer,
} from '@opentelemetry/api';
import {
  ATTR_HTTP_REQUEST_METHOD,
  ATTR_HTTP_RESPONSE_STATUS_CODE,
  ATTR_HTTP_ROUTE,
  ATTR_URL_PATH,
} from '@opentelemetry/semantic-conventions';
import type { FastifyInstance, FastifyServerOptions } from 'fastify';

type ChildLoggerFactory = NonNullable<FastifyServerOptions['childLoggerFactory']>;

/**
 * One server span per HTTP request, named by its route and holding its status,
 * with the trace and span ids on every log line of the request.
 *
 * The span starts where Fastify makes the request's logger (before any hook),
 * so even "incoming request" carries the trace id; hooks then run each phase
 * inside the span's context so database spans nest under it.
 */
export class RequestTracing {
  private readonly spans = new WeakMap<IncomingMessage, Span>();

  constructor(private readonly tracer: Tracer) {}

  readonly childLoggerFactory: ChildLoggerFactory = (logger, bindings, options, raw) => {
    const request = raw as IncomingMessage;
    const parent = propagation.extract(ROOT_CONTEXT, request.headers);
    const span = this.tracer.startSpan(
      `${request.method ?? 'HTTP'}`,
      {
        kind: SpanKind.SERVER,
        attributes: {
          [ATTR_HTTP_REQUEST_METHOD]: request.method ?? 'GET',
          [ATTR_URL_PATH]: (request.url ?? '/').split('?')[0],
        },
      },
      parent,
    );
    this.spans.set(request, span);
    const { traceId, spanId } = span.spanContext();
    return logger.child({ ...bindings, traceId, spanId }, options);
  };

  register(app: FastifyInstance): void {
    const enter = (raw: IncomingMessage, next: () => void) => {
      const span = this.spans.get(raw);
      if (span) context.with(trace.setSpan(context.active(), span), next);
      else next();
    };
    app.addHook('onRequest', (request, _reply, done) => {
      const span = this.spans.get(request.raw);
      const route = request.routeOptions.url;
      if (span && route !== undefined) {
        span.updateName(`${request.method} ${route}`);
        span.setAttribute(ATTR_HTTP_ROUTE, route);
      }
      enter(request.raw, done);
    });
    app.addHook('preParsing', (request, _reply, payload, done) =>
      enter(request.raw, () => done(null, payload)),
    );
    app.addHook('preValidation', (request, _reply, done) => enter(request.raw, done));
    app.addHook('preHandler', (request, _reply, done) => enter(request.raw, done));
    app.addHook('onError', (request, _reply, error, done) => {
      this.spans.get(request.raw)?.recordException(error);
      done();
    });
    app.addHook('onRequestAbort', (request, done) => {
      this.spans.get(request.raw)?.end();
      this.spans.delete(request.raw);
      done();
    });
    app.addHook('onResponse', (request, reply, done) => {
      const span = this.spans.get(request.raw);
      if (span) {
        span.setAttribute(ATTR_HTTP_RESPONSE_STATUS_CODE, reply.statusCode);
        if (reply.statusCode >= 500) span.setStatus({ code: SpanStatusCode.ERROR });
        span.end();
        this.spans.delete(request.raw);
      }
      done();
    });
  }
}
