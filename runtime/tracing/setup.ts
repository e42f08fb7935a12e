import { NodeSDK } from '@opentelemetry/sdk-node';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BatchSpanProcessor, type SpanExporter } from '@opentelemetry/sdk-trace-base';

export interface TracingOptions {
  serviceName: string;
  /** OTLP/HTTP traces endpoint, e.g. http://127.0.0.1:4318/v1/traces (Jaeger v2). Default from OTEL_EXPORTER_OTLP_ENDPOINT. */
  endpoint?: string;
  /** Tests pass an in-memory exporter here. */
  exporter?: SpanExporter;
}

/** Stops tracing (pending spans are sent first); `flush()` sends them and goes on tracing. */
export type StopTracing = (() => Promise<void>) & { flush(): Promise<void> };

/**
 * Starts the OpenTelemetry SDK with the W3C propagator (the SDK default) and an OTLP exporter.
 * Returns a shutdown function that flushes pending spans.
 */
export function startTracing(options: TracingOptions): StopTracing {
  const exporter =
    options.exporter ?? new OTLPTraceExporter(options.endpoint ? { url: options.endpoint } : {});
  const spans = new BatchSpanProcessor(exporter);
  const sdk = new NodeSDK({
    resource: resourceFromAttributes({ 'service.name': options.serviceName }),
    spanProcessors: [spans],
  });
  sdk.start();
  return Object.assign(() => sdk.shutdown(), { flush: () => spans.forceFlush() });
}
