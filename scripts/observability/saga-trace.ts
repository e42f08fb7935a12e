/**
 * What a complete order trace is: the saga's steps, each recognised by the span that does it, in
 * causal order. The engine names a processing span `process <topic>` and tags it with the topic
 * (`messaging.destination.name`), so each step is found by the topic its service reads:
 *
 *   created   order API      POST /orders (server span, `order.id`), or for an order written
 *                            straight to the orders topic, the span processing it there
 *   reserved  core           inventory processing a reservation request
 *   charged   payment        payment processing a payment request, with its gateway call inside
 *   shipped   core           the order saga processing the payment result (PAID → SHIPPED)
 *   notified  notification   notification processing a request the shipment caused
 *
 * Causal order is parent/child: each step must descend from a span of the step before it (and so
 * start after it). A record whose trace context was lost starts a new trace: the step after the
 * loss is then missing from the order's first trace, and found in another one.
 */
import { parentId, tag, type JaegerSpan, type JaegerTrace } from './jaeger-api.ts';

export const SAGA_STEPS = ['created', 'reserved', 'charged', 'shipped', 'notified'] as const;
export type SagaStep = (typeof SAGA_STEPS)[number];

const SERVICE_OF: Record<SagaStep, string> = {
  created: 'order API',
  reserved: 'core (inventory)',
  charged: 'payment',
  shipped: 'core (order saga)',
  notified: 'notification',
};

const destination = (span: JaegerSpan) => String(tag(span, 'messaging.destination.name') ?? '');
const reads = (suffix: string) => (span: JaegerSpan) => destination(span).endsWith(suffix);
const isClient = (span: JaegerSpan) => tag(span, 'span.kind') === 'client';

/** Whether `span` does `step`; `children` are the span's direct children in its trace. */
const MATCHES: Record<SagaStep, (span: JaegerSpan, children: readonly JaegerSpan[]) => boolean> = {
  created: (span) =>
    span.operationName === 'POST /orders' ||
    (reads('orders')(span) && !destination(span).endsWith('-repartition') && !parentId(span)),
  reserved: reads('reservation-requests-repartition'),
  // The payment service's span counts once its gateway call is inside it: a request it took
  // without calling the gateway has charged nobody.
  charged: (span, children) => reads('payment-requests-repartition')(span) && children.some(isClient),
  shipped: reads('payment-results-repartition'),
  notified: reads('notification-requests-repartition'),
};

export interface StepSpan {
  step: SagaStep;
  service: string;
  span: JaegerSpan;
}

export interface OrderTraceResult {
  orderId: string;
  complete: boolean;
  /** The trace that holds the order's first step (undefined when no trace was found at all). */
  traceId: string | undefined;
  /** How many traces carry this order's id (more than one: the trace was broken somewhere). */
  traceCount: number;
  /** One span per step found, in saga order, up to the first missing step. */
  steps: StepSpan[];
  missing?: { step: SagaStep; service: string; why: string };
}

interface SpanIndex {
  byId: Map<string, JaegerSpan>;
  children: Map<string, JaegerSpan[]>;
}

function index(trace: JaegerTrace): SpanIndex {
  const byId = new Map(trace.spans.map((s) => [s.spanID, s]));
  const children = new Map<string, JaegerSpan[]>();
  for (const span of trace.spans) {
    const parent = parentId(span);
    if (parent) children.set(parent, [...(children.get(parent) ?? []), span]);
  }
  return { byId, children };
}

function descendsFrom(span: JaegerSpan, ancestor: JaegerSpan, spans: SpanIndex): boolean {
  let at = parentId(span);
  while (at) {
    if (at === ancestor.spanID) return true;
    const parent = spans.byId.get(at);
    at = parent ? parentId(parent) : undefined;
  }
  return false;
}

function spansDoing(step: SagaStep, trace: JaegerTrace, spans: SpanIndex): JaegerSpan[] {
  return trace.spans
    .filter((s) => MATCHES[step](s, spans.children.get(s.spanID) ?? []))
    .sort((a, b) => a.startTime - b.startTime);
}

/**
 * Checks one order's traces (every trace that carries its id): finds the trace with its first
 * step, then walks the saga, each step among the descendants of the step before it.
 */
export function checkOrderTrace(orderId: string, traces: readonly JaegerTrace[]): OrderTraceResult {
  const indexed = traces.map((trace) => ({ trace, spans: index(trace) }));
  const first = indexed.find(({ trace, spans }) => spansDoing('created', trace, spans).length > 0);
  const result: OrderTraceResult = {
    orderId,
    complete: false,
    traceId: first?.trace.traceID,
    traceCount: traces.length,
    steps: [],
  };
  if (!first) {
    result.missing = {
      step: 'created',
      service: SERVICE_OF.created,
      why:
        traces.length === 0
          ? 'no trace carries this order id (not traced, not yet flushed, or not in Jaeger)'
          : `${traces.length} trace(s) carry the order id but none starts at POST /orders or the orders topic`,
    };
    return result;
  }
  const { trace, spans } = first;
  let previous = spansDoing('created', trace, spans);
  result.steps.push({ step: 'created', service: SERVICE_OF.created, span: previous[0]! });
  for (const step of SAGA_STEPS.slice(1)) {
    const doing = spansDoing(step, trace, spans);
    const caused = doing.filter((s) =>
      previous.some((p) => descendsFrom(s, p, spans) && s.startTime >= p.startTime),
    );
    if (caused.length === 0) {
      result.missing = { step, service: SERVICE_OF[step], why: whyMissing(step, doing, indexed, trace) };
      return result;
    }
    result.steps.push({ step, service: SERVICE_OF[step], span: caused[0]! });
    previous = caused;
  }
  result.complete = true;
  return result;
}

function whyMissing(
  step: SagaStep,
  inTrace: readonly JaegerSpan[],
  all: readonly { trace: JaegerTrace; spans: SpanIndex }[],
  first: JaegerTrace,
): string {
  const before = SAGA_STEPS[SAGA_STEPS.indexOf(step) - 1];
  if (inTrace.length > 0)
    return `${inTrace.length} span(s) of this step in the trace, none descending from '${before}' (a parent link is broken)`;
  const elsewhere = all.filter(
    ({ trace, spans }) => trace !== first && spansDoing(step, trace, spans).length > 0,
  );
  if (elsewhere.length > 0)
    return `found in another trace (${elsewhere.map((e) => e.trace.traceID).join(', ')}): the trace context was lost after '${before}'`;
  return `no span of this step in any trace of the order (not reached yet, or its spans not flushed)`;
}
