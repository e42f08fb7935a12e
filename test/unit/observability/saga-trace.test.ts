import type { JaegerSpan, JaegerTrace } from '../../../scripts/observability/jaeger-api.ts';
import { checkOrderTrace } from '../../../scripts/observability/saga-trace.ts';
import { summarizeTrace } from '../../../scripts/observability/trace-summary.ts';

/**
 * The trace check on traces shaped like Jaeger's answers for the saga: a complete one, one that
 * stops early, one whose context was lost between two steps, and one with a broken parent link.
 */
let nextId = 0;
function span(
  traceID: string,
  operationName: string,
  parent: JaegerSpan | undefined,
  tags: Record<string, string>,
  startTime: number,
): JaegerSpan {
  return {
    traceID,
    spanID: `s${++nextId}`,
    operationName,
    references: parent ? [{ refType: 'CHILD_OF', traceID, spanID: parent.spanID }] : [],
    startTime,
    duration: 500,
    tags: Object.entries(tags).map(([key, value]) => ({ key, type: 'string', value })),
    processID: 'p1',
  };
}

const consume = (trace: string, topic: string, parent: JaegerSpan | undefined, at: number) =>
  span(
    trace,
    `process ${topic}`,
    parent,
    { 'messaging.destination.name': topic, 'span.kind': 'consumer' },
    at,
  );
const client = (trace: string, url: string, parent: JaegerSpan, at: number) =>
  span(trace, 'POST', parent, { 'url.full': url, 'span.kind': 'client' }, at);

/** The spans of one saga, created → notified, in trace `t` (split into `t2` after `splitAfter`). */
function saga(t: string, options: { upTo?: number; splitAfter?: 'reserved' } = {}): JaegerSpan[] {
  const spans: JaegerSpan[] = [];
  let trace = t;
  const add = (s: JaegerSpan) => (spans.push(s), s);
  const root = add(span(trace, 'POST /orders', undefined, { 'order.id': 'o1', 'span.kind': 'server' }, 1000));
  const orders = add(consume(trace, 'r-orders', root, 2000));
  const byId = add(consume(trace, 'r-saga-orders-by-id-repartition', orders, 3000));
  const reserved = add(consume(trace, 'r-saga-reservation-requests-repartition', byId, 4000));
  // A lost context: the next hop starts a trace of its own.
  if (options.splitAfter === 'reserved') trace = `${t}-2`;
  const next = options.splitAfter === 'reserved' ? undefined : reserved;
  const results = add(consume(trace, 'r-saga-reservation-results-repartition', next, 5000));
  const charged = add(consume(trace, 'r-saga-payment-requests-repartition', results, 6000));
  if ((options.upTo ?? 9) >= 3) add(client(trace, 'http://127.0.0.1:1/v1/charges', charged, 6100));
  const shipped = add(consume(trace, 'r-saga-payment-results-repartition', charged, 7000));
  const notified = add(consume(trace, 'r-saga-notification-requests-repartition', shipped, 8000));
  add(client(trace, 'http://127.0.0.1:2/hooks', notified, 8100));
  return options.upTo === 4
    ? spans.filter((s) => s !== notified && s.references[0]?.spanID !== notified.spanID)
    : spans;
}

const asTraces = (spans: JaegerSpan[]): JaegerTrace[] =>
  [...new Set(spans.map((s) => s.traceID))].map((traceID) => ({
    traceID,
    spans: spans.filter((s) => s.traceID === traceID),
    processes: { p1: { serviceName: 'ecommerce-saga' } },
  }));

test('a saga trace from POST /orders to the shipped notification is complete, one span per step', () => {
  const result = checkOrderTrace('o1', asTraces(saga('t1')));
  expect(result.complete).toBe(true);
  expect(result.steps.map((s) => `${s.step}:${s.span.operationName}`)).toEqual([
    'created:POST /orders',
    'reserved:process r-saga-reservation-requests-repartition',
    'charged:process r-saga-payment-requests-repartition',
    'shipped:process r-saga-payment-results-repartition',
    'notified:process r-saga-notification-requests-repartition',
  ]);
});

test('a trace that ends before the notification misses notified, with the steps it reached', () => {
  const result = checkOrderTrace('o1', asTraces(saga('t1', { upTo: 4 })));
  expect(result.complete).toBe(false);
  expect(result.missing).toMatchObject({ step: 'notified', service: 'notification' });
  expect(result.steps.map((s) => s.step)).toEqual(['created', 'reserved', 'charged', 'shipped']);
});

test('a payment request processed without a gateway call does not count as charged', () => {
  const result = checkOrderTrace('o1', asTraces(saga('t1', { upTo: 2 })));
  expect(result.missing?.step).toBe('charged');
  expect(result.missing?.why).toMatch(/none descending from 'reserved'|no span/);
});

test('a trace context lost after a step: the next step is found in another trace and said so', () => {
  const result = checkOrderTrace('o1', asTraces(saga('t1', { splitAfter: 'reserved' })));
  expect(result.complete).toBe(false);
  expect(result.traceCount).toBe(2);
  expect(result.traceId).toBe('t1');
  expect(result.missing?.step).toBe('charged');
  expect(result.missing?.why).toMatch(/another trace \(t1-2\).*lost after 'reserved'/);
});

test('no trace at all: created is missing', () => {
  expect(checkOrderTrace('o1', []).missing?.step).toBe('created');
});

test('an order written to the orders topic starts its trace at the engine', () => {
  const spans = saga('t1').filter((s) => s.operationName !== 'POST /orders');
  spans[0]!.references = [];
  expect(checkOrderTrace('o1', asTraces(spans)).complete).toBe(true);
});

test('the summary is a tree of span names with service, offset and duration', () => {
  const text = summarizeTrace(asTraces(saga('t1'))[0]!);
  const lines = text.split('\n');
  expect(lines[0]).toMatch(/^trace t1: 10 spans, 7\.6 ms, services: ecommerce-saga$/);
  expect(lines[1]).toBe('  POST /orders  [ecommerce-saga]  +0.0 ms  0.5 ms order.id=o1');
  expect(lines[2]).toMatch(/^ {4}process r-orders {2}\[ecommerce-saga\] {2}\+1\.0 ms/);
  expect(lines.at(-1)).toMatch(/^ +POST {2}\[ecommerce-saga\] .*→ http:\/\/127\.0\.0\.1:2\/hooks \(\?\)$/);
});
