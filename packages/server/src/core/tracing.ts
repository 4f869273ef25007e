import { context, propagation, trace, type Tracer } from '@opentelemetry/api';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { resourceFromAttributes } from '@opentelemetry/resources';
import {
  BatchSpanProcessor,
  NodeTracerProvider,
  ParentBasedSampler,
  TraceIdRatioBasedSampler,
} from '@opentelemetry/sdk-trace-node';
import { ATTR_SERVICE_NAME } from '@opentelemetry/semantic-conventions';
import type { Config } from './config.js';
import type { Logger } from './logging.js';

/** The name KubeOps's own spans are recorded under. */
export const TRACER_NAME = 'kubeops';

export interface Tracing {
  tracer: Tracer;
  /** Sends the spans still buffered and unregisters the SDK. */
  shutdown(): Promise<void>;
}

/** The tracer modules use; a no-op one (nothing recorded, nothing sent) when tracing is off. */
export const kubeopsTracer = (): Tracer => trace.getTracer(TRACER_NAME);

/**
 * Starts OpenTelemetry when `tracing.endpoint` is set: spans batched to the
 * collector over OTLP/HTTP (JSON), W3C trace context taken from and passed to
 * callers, context carried across `await` by AsyncLocalStorage. With no
 * endpoint nothing is started and the API stays a no-op.
 */
export function startTracing(config: Config, logger: Logger): Tracing | undefined {
  const { endpoint, serviceName, sampleRatio, headers } = config.tracing;
  if (!endpoint) return undefined;
  const exporter = new OTLPTraceExporter({
    url: `${endpoint.replace(/\/+$/, '')}/v1/traces`,
    headers,
  });
  const provider = new NodeTracerProvider({
    resource: resourceFromAttributes({ [ATTR_SERVICE_NAME]: serviceName }),
    sampler: new ParentBasedSampler({ root: new TraceIdRatioBasedSampler(sampleRatio) }),
    spanProcessors: [new BatchSpanProcessor(exporter, { scheduledDelayMillis: 1000 })],
  });
  provider.register();
  logger.info({ endpoint: new URL(endpoint).origin, sampleRatio }, 'tracing to OTLP collector');
  return {
    tracer: provider.getTracer(TRACER_NAME),
    async shutdown() {
      try {
        await provider.shutdown();
      } finally {
        // Lets a later start in the same process (tests) register again.
        trace.disable();
        context.disable();
        propagation.disable();
      }
    },
  };
}
