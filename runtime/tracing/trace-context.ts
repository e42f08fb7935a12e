import {
  context,
  propagation,
  trace,
  SpanKind,
  SpanStatusCode,
  type Context,
  type Span,
} from '@opentelemetry/api';
import type { Headers } from '../../engine-common/record.ts';

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

/**
 * Runs `work` with `span` as the active span, so spans started inside it (an HTTP call of a
 * connector) become its children. Without an SDK the span does not record: `work` runs as is.
 */
export function runInSpan<T>(span: Span, work: () => Promise<T>): Promise<T> {
  if (!span.isRecording()) return work();
  return context.with(trace.setSpan(context.active(), span), work);
}

/** The headers a processed record carries on: with the span's context when tracing records. */
export function headersFor(headers: Headers, span: Span): Headers {
  return span.isRecording() ? injectContext(headers, span) : headers;
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

/** Marks the span of the record being processed as failed: it went to the dead-letter topic. */
export function recordDeadLetter(reason: string, stage: string): void {
  const span = trace.getActiveSpan();
  if (!span?.isRecording()) return;
  span.addEvent('dead-lettered', { 'dead_letter.reason': reason, 'dead_letter.stage': stage });
  span.setStatus({ code: SpanStatusCode.ERROR, message: `dead-lettered: ${reason}` });
}

/**
 * Runs `work` in a new server span (the root of a trace, or a child of the caller's `traceparent`)
 * and gives it the headers that carry the span to the records it produces.
 */
export function withServerSpan<T>(
  name: string,
  incoming: Record<string, string | string[] | undefined>,
  attributes: Record<string, string | number>,
  work: (headers: Headers, span: Span) => Promise<T>,
): Promise<T> {
  const parent = propagation.extract(context.active(), incoming);
  const span = tracer().startSpan(name, { kind: SpanKind.SERVER, attributes }, parent);
  return context.with(trace.setSpan(parent, span), async () => {
    try {
      return await work(headersFor(new Map(), span), span);
    } finally {
      span.end();
    }
  });
}

/**
 * The headers a produced record leaves with: when it carries no trace context of its own (a
 * processor built a new record) and a span is active (the record being processed), that span's,
 * as OpenTelemetry's producer instrumentation does, so the trace goes on across the topic.
 */
export function withActiveTraceContext(headers: Headers): Headers {
  if (headers.has('traceparent')) return headers;
  const span = trace.getActiveSpan();
  return span?.isRecording() ? injectContext(headers, span) : headers;
}

/**
 * Resumes an order's trace in work done later, away from the record that started it (a retry a
 * punctuator makes from state in a store). `traceparent` is the W3C header kept with that state;
 * `work` runs in a new span, child of that context (its HTTP calls become the span's children), and
 * gets the headers for the records it forwards so the trace goes on downstream. Without a
 * traceparent, or without tracing, it just runs `work` with empty headers.
 */
export async function continueTrace<T>(
  traceparent: string | null | undefined,
  name: string,
  attributes: Record<string, string | number>,
  work: (headers: Headers) => Promise<T>,
): Promise<T> {
  const carrier: Headers = traceparent ? new Map([['traceparent', Buffer.from(traceparent)]]) : new Map();
  const parent = extractContext(carrier);
  const span = tracer().startSpan(name, { kind: SpanKind.INTERNAL, attributes }, parent);
  if (!span.isRecording()) return work(new Map());
  try {
    return await context.with(trace.setSpan(parent, span), () => work(injectContext(new Map(), span)));
  } finally {
    span.end();
  }
}

/** The W3C traceparent a record carries, to keep with state that outlives the record. */
export function traceparentOf(headers: Headers): string | null {
  return headers.get('traceparent')?.toString('utf8') ?? null;
}
