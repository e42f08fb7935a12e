/**
 * The slice of Jaeger's HTTP query API (the one its UI uses, served by Jaeger v2's jaeger_query
 * extension) that the trace check reads: trace search by service, tags and time window.
 */

/** A span as /api/traces returns it: times in microseconds, attributes as typed tags. */
export interface JaegerSpan {
  traceID: string;
  spanID: string;
  operationName: string;
  references: readonly { refType: 'CHILD_OF' | 'FOLLOWS_FROM'; traceID: string; spanID: string }[];
  startTime: number;
  duration: number;
  tags: readonly { key: string; type: string; value: string | number | boolean }[];
  processID: string;
}

export interface JaegerTrace {
  traceID: string;
  spans: readonly JaegerSpan[];
  processes: Readonly<Record<string, { serviceName: string }>>;
}

export interface TraceSearch {
  service: string;
  /** Span attributes that one span of the trace must all carry (Jaeger's `tags` parameter). */
  tags?: Record<string, string>;
  operation?: string;
  /** Span start window, epoch milliseconds; Jaeger's default is the last two days. */
  startMs?: number;
  endMs?: number;
  limit?: number;
}

export class JaegerQueryError extends Error {
  override readonly name = 'JaegerQueryError';
}

/** The traces matching `search`, newest first (Jaeger's memory store scans from the newest). */
export async function searchTraces(queryUrl: string, search: TraceSearch): Promise<JaegerTrace[]> {
  const params = new URLSearchParams({ service: search.service, limit: String(search.limit ?? 20) });
  if (search.tags) params.set('tags', JSON.stringify(search.tags));
  if (search.operation) params.set('operation', search.operation);
  if (search.startMs !== undefined) params.set('start', String(search.startMs * 1000));
  if (search.endMs !== undefined) params.set('end', String(search.endMs * 1000));
  const url = `${queryUrl}/api/traces?${params}`;
  let response: Response;
  try {
    response = await fetch(url, { signal: AbortSignal.timeout(10_000) });
  } catch (error) {
    throw new JaegerQueryError(`GET ${url}: ${(error as Error).message}`, { cause: error });
  }
  const body = (await response.json().catch(() => ({}))) as {
    data?: JaegerTrace[] | null;
    errors?: readonly { msg?: string }[] | null;
  };
  if (!response.ok)
    throw new JaegerQueryError(
      `GET ${url}: HTTP ${response.status} ${body.errors?.map((e) => e.msg).join('; ') ?? ''}`,
    );
  return body.data ?? [];
}

/** A span's attribute by key, as Jaeger typed it. */
export function tag(span: JaegerSpan, key: string): string | number | boolean | undefined {
  return span.tags.find((t) => t.key === key)?.value;
}

/** The span's parent in its trace (its CHILD_OF or FOLLOWS_FROM reference); undefined for a root. */
export function parentId(span: JaegerSpan): string | undefined {
  return span.references.find((r) => r.traceID === span.traceID)?.spanID;
}
