/**
 * One trace as readable text: its spans as a tree (children under their parent, by start time),
 * each with its service, its offset from the trace's start and its duration.
 *
 *   POST /orders  [ecommerce-saga]  +0.0 ms  1.9 ms
 *     process tr1-orders  [ecommerce-saga]  +12.4 ms  0.6 ms
 *       …
 */
import { parentId, tag, type JaegerSpan, type JaegerTrace } from './jaeger-api.ts';

const ms = (micros: number) => `${(micros / 1000).toFixed(1)} ms`;

/** The attribute worth a glance on each kind of span: the topic read, the URL called, the order. */
function detail(span: JaegerSpan): string {
  const url = tag(span, 'url.full');
  if (url !== undefined)
    return ` → ${String(url)} (${String(tag(span, 'http.response.status_code') ?? '?')})`;
  const order = tag(span, 'order.id');
  if (order !== undefined) return ` order.id=${String(order)}`;
  const task = tag(span, 'streams.task_id');
  return task !== undefined ? ` task ${String(task)}` : '';
}

export function summarizeTrace(trace: JaegerTrace): string {
  const ids = new Set(trace.spans.map((s) => s.spanID));
  const children = new Map<string | undefined, JaegerSpan[]>();
  for (const span of trace.spans) {
    // A parent that never reached Jaeger: show the span as a root rather than lose it.
    const parent = parentId(span);
    const key = parent && ids.has(parent) ? parent : undefined;
    children.set(key, [...(children.get(key) ?? []), span]);
  }
  const start = Math.min(...trace.spans.map((s) => s.startTime));
  const end = Math.max(...trace.spans.map((s) => s.startTime + s.duration));
  const services = new Set(trace.spans.map((s) => trace.processes[s.processID]?.serviceName ?? '?'));
  const lines = [
    `trace ${trace.traceID}: ${trace.spans.length} spans, ${ms(end - start)}, services: ${[...services].join(', ')}`,
  ];
  const walk = (parent: string | undefined, depth: number) => {
    for (const span of (children.get(parent) ?? []).sort((a, b) => a.startTime - b.startTime)) {
      const service = trace.processes[span.processID]?.serviceName ?? '?';
      lines.push(
        `${'  '.repeat(depth + 1)}${span.operationName}  [${service}]  +${ms(span.startTime - start)}  ${ms(span.duration)}${detail(span)}`,
      );
      walk(span.spanID, depth + 1);
    }
  };
  walk(undefined, 0);
  return lines.join('\n');
}
