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

/**
 * Starts the OpenTelemetry SDK with the W3C propagator (the SDK default) and an OTLP exporter.
 * Returns a shutdown function that flushes pending spans.
 */
export function startTracing(options: TracingOptions): () => Promise<void> {
  const exporter =
    options.exporter ?? new OTLPTraceExporter(options.endpoint ? { url: options.endpoint } : {});
  const sdk = new NodeSDK({
    resource: resourceFromAttributes({ 'service.name': options.serviceName }),
    spanProcessors: [new BatchSpanProcessor(exporter)],
  });
  sdk.start();
  return () => sdk.shutdown();
}
