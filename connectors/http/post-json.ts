import { SpanKind, SpanStatusCode, context, propagation, trace, type Span } from '@opentelemetry/api';

const tracer = () => trace.getTracer('kafka-ecommerce-pipeline.connectors');

/**
 * One HTTP POST of a JSON body with a hard deadline, reduced to the three things a caller of a
 * third-party API must tell apart: it answered (with some status), it did not answer in time, or
 * the connection failed. Shared by the payment gateway client, the SMS channel and the webhook
 * channel so they classify failures the same way.
 */
export type HttpPostResult =
  | { kind: 'response'; status: number; headers: Headers; text: string; json: unknown }
  | { kind: 'timeout'; timeoutMs: number }
  | { kind: 'network'; reason: string };

export interface HttpPostRequest {
  url: string;
  /** Sent byte for byte; signatures (webhooks) are computed over exactly this string. */
  rawBody: string;
  headers: Record<string, string>;
  /** Covers connecting, sending and reading the whole response body. */
  timeoutMs: number;
}

/**
 * A client span per call (OpenTelemetry HTTP conventions), child of the record being processed,
 * with the trace context sent along (`traceparent`) so the third party can join the trace.
 */
export function postJson(request: HttpPostRequest): Promise<HttpPostResult> {
  const url = new URL(request.url);
  return tracer().startActiveSpan(
    'POST',
    {
      kind: SpanKind.CLIENT,
      attributes: {
        'http.request.method': 'POST',
        'url.full': `${url.origin}${url.pathname}`,
        'server.address': url.hostname,
        'server.port': Number(url.port || (url.protocol === 'https:' ? 443 : 80)),
      },
    },
    async (span) => {
      try {
        const result = await send(request);
        record(span, result);
        return result;
      } finally {
        span.end();
      }
    },
  );
}

function record(span: Span, result: HttpPostResult): void {
  if (result.kind === 'response') {
    span.setAttribute('http.response.status_code', result.status);
    if (result.status >= 400)
      span.setStatus({ code: SpanStatusCode.ERROR, message: `HTTP ${result.status}` });
  } else {
    const message = result.kind === 'timeout' ? `timed out after ${result.timeoutMs} ms` : result.reason;
    span.setAttribute('error.type', result.kind);
    span.setStatus({ code: SpanStatusCode.ERROR, message });
  }
}

async function send(request: HttpPostRequest): Promise<HttpPostResult> {
  const signal = AbortSignal.timeout(request.timeoutMs);
  const traceHeaders: Record<string, string> = {};
  propagation.inject(context.active(), traceHeaders);
  try {
    const response = await fetch(request.url, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        accept: 'application/json',
        ...traceHeaders,
        ...request.headers,
      },
      body: request.rawBody,
      signal,
      // Redirects of a POST to a payment or webhook endpoint are a misconfiguration, not something to follow.
      redirect: 'manual',
    });
    // The signal stays armed while the body is read, so a server that stalls mid-body also times out.
    const text = await response.text();
    return {
      kind: 'response',
      status: response.status,
      headers: response.headers,
      text,
      json: parseJson(text),
    };
  } catch (error) {
    if (signal.aborted) return { kind: 'timeout', timeoutMs: request.timeoutMs };
    return { kind: 'network', reason: describeNetworkError(error) };
  }
}

/** Statuses that say "try again later" for any well-behaved HTTP API. */
export function isRetryableStatus(status: number): boolean {
  return status >= 500 || status === 408 || status === 429;
}

function parseJson(text: string): unknown {
  if (text.length === 0) return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

/**
 * undici wraps the interesting part (ECONNREFUSED, ECONNRESET, ...) in `cause`. Duck-typed rather
 * than `instanceof Error`, which fails for errors created in another realm (jest's VM contexts).
 */
function describeNetworkError(error: unknown): string {
  const { message, cause } = (error ?? {}) as { message?: unknown; cause?: unknown };
  const inner = (cause ?? {}) as { code?: unknown; message?: unknown };
  if (typeof inner.code === 'string') return `${inner.code}: ${String(inner.message ?? '')}`;
  if (typeof inner.message === 'string') return inner.message;
  return typeof message === 'string' ? message : String(error);
}
