import { context, propagation, trace, SpanKind, type Context, type Span } from '@opentelemetry/api';
import type { Headers } from '../../topology/record.ts';

/**
 * W3C trace context carried in Kafka record headers (`traceparent`, `tracestate`), so a trace
 * follows an order across every hop of the pipeline. Works with any OpenTelemetry SDK that the
 * process registered (see tracing/setup.ts); without one, spans are no-ops and cost nothing.
 */
const getter = {
  keys: (carrier: Headers) => [...carrier.keys()],
  get: (carrier: Headers, key: string) => carrier.get(key)?.toString('utf8'),
};
const setter = {
  set: (carrier: Headers, key: string, value: string) => {
    carrier.set(key, Buffer.from(value, 'utf8'));
  },
};

const tracer = () => trace.getTracer('kafka-streams-engine');

export function extractContext(headers: Headers): Context {
  return propagation.extract(context.active(), headers, getter);
}

/** Writes the span's context into a copy of `headers`, so downstream records become its children. */
export function injectContext(headers: Headers, span: Span): Headers {
  const copy: Headers = new Map(headers);
  propagation.inject(trace.setSpan(context.active(), span), copy, setter);
  return copy;
}

/** Starts a consumer-kind span for a record, child of the trace the record carries. */
export function startProcessSpan(
  name: string,
  headers: Headers,
  attributes: Record<string, string | number>,
): Span {
  return tracer().startSpan(name, { kind: SpanKind.CONSUMER, attributes }, extractContext(headers));
}

export function startSpan(name: string, attributes: Record<string, string | number> = {}): Span {
  return tracer().startSpan(name, { kind: SpanKind.INTERNAL, attributes });
}
