import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { context, propagation, trace } from '@opentelemetry/api';
import { ExportResultCode, type ExportResult } from '@opentelemetry/core';
import type { ReadableSpan, SpanExporter } from '@opentelemetry/sdk-trace-base';
import { pipelineConfigFromEnv } from '../../../app/config.ts';
import { startPipeline, type RunningPipeline } from '../../../app/pipeline.ts';
import { startFakeGateway, startFakeWebhookReceiver } from '../../../connectors/testing.ts';
import type { FakeGateway, FakeWebhookReceiver } from '../../../connectors/testing.ts';
import { createLogger, startTracing } from '../../../runtime/index.ts';
import { BOOTSTRAP } from '../../support/kafka.ts';
import { postOrder } from '../../support/order-api.ts';

/**
 * One trace per order across the saga: POST /orders is the root; every processing step of every
 * service (core, payment, notification) is a span of the same trace, linked through the
 * `traceparent` header of each record, across repartition topics; the payment gateway call and
 * the webhook delivery are client spans inside it.
 */
class CollectingExporter implements SpanExporter {
  readonly spans: ReadableSpan[] = [];
  export(spans: ReadableSpan[], done: (result: ExportResult) => void): void {
    this.spans.push(...spans);
    done({ code: ExportResultCode.SUCCESS });
  }
  async shutdown(): Promise<void> {}
  async forceFlush(): Promise<void> {}
}

const run = `tr${Date.now().toString(36)}`;
const exporter = new CollectingExporter();
let stopTracing: () => Promise<void>;
let gateway: FakeGateway;
let webhook: FakeWebhookReceiver;
let pipeline: RunningPipeline;
let stateDir: string;

beforeAll(async () => {
  stopTracing = startTracing({ serviceName: 'tracing-test', exporter });
  gateway = await startFakeGateway({ latencyMs: 1 });
  webhook = await startFakeWebhookReceiver({ secret: 's3cret' });
  stateDir = mkdtempSync(join(tmpdir(), 'tracing-'));
  const port = 26_000 + Math.floor(Math.random() * 4000);
  pipeline = await startPipeline(
    pipelineConfigFromEnv({
      KAFKA_BOOTSTRAP: BOOTSTRAP,
      APPLICATION_ID: `${run}-saga`,
      TOPIC_PREFIX: `${run}-`,
      STATE_DIR: stateDir,
      HTTP_PORT: String(port),
      PAYMENT_GATEWAY_URL: gateway.url,
      WEBHOOK_URL: webhook.url,
      WEBHOOK_SECRET: 's3cret',
      SERVICES: 'core,payment,notification',
    }),
    createLogger('tracing-test'),
  );
}, 120_000);

afterAll(async () => {
  await pipeline?.stop();
  await stopTracing?.();
  // The SDK registered itself globally in this jest worker: later test files must not inherit it.
  trace.disable();
  context.disable();
  propagation.disable();
  await gateway?.close();
  await webhook?.close();
  rmSync(stateDir, { recursive: true, force: true });
});

test('an order placed through the API is one trace across every service, repartition and client call', async () => {
  const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));
  // While its tasks restore, the instance answers queries 503: wait until it is ready.
  for (let i = 0; i < 300 && !(await fetch(`${pipeline.httpUrl}/readyz`)).ok; i++) await pause(100);
  const stock = await fetch(`${pipeline.httpUrl}/stock/SKU-T`);
  expect([200, 404]).toContain(stock.status);
  await pipeline.kafka.produce(`${run}-stock`, [
    { key: 'SKU-T', value: JSON.stringify({ sku: 'SKU-T', delta: 5 }) },
  ]);
  // Stock and orders reach the inventory on different paths: the order must not overtake its stock.
  for (let i = 0; i < 300; i++) {
    const current = await fetch(`${pipeline.httpUrl}/stock/SKU-T`);
    if (current.ok && ((await current.json()) as { onHand: number }).onHand >= 5) break;
    await pause(100);
  }
  const orderId = `${run}-1`;
  const placed = await postOrder(pipeline.httpUrl, {
    orderId,
    items: [{ sku: 'SKU-T', quantity: 1, unitPrice: 1000 }],
    contact: { email: null, phone: null, webhookUrl: 'https://customer.example/hooks/orders' },
  });
  expect(placed.status).toBe(202);

  const deadline = Date.now() + 60_000;
  let status = '';
  while (Date.now() < deadline && status !== 'SHIPPED') {
    const response = await fetch(`${pipeline.httpUrl}/orders/${orderId}`);
    if (response.ok) status = ((await response.json()) as { status: string }).status;
    await new Promise((r) => setTimeout(r, 200));
  }
  expect(status).toBe('SHIPPED');
  // The SHIPPED notification is delivered a moment after the status is visible.
  while (
    Date.now() < deadline &&
    !webhook.deliveries().some((d) => JSON.stringify(d.body).includes('SHIPPED'))
  )
    await new Promise((r) => setTimeout(r, 200));
  await pipeline.stop();
  await stopTracing();

  const root = exporter.spans.find((s) => s.name === 'POST /orders' && s.attributes['order.id'] === orderId);
  expect(root).toBeDefined();
  const traceId = root?.spanContext().traceId;
  const inTrace = exporter.spans.filter((s) => s.spanContext().traceId === traceId);
  const consumed = new Set(inTrace.map((s) => String(s.attributes['messaging.destination.name'] ?? '')));
  // Input, the repartition hops of the saga, and the topics the payment and notification services read.
  expect([...consumed].filter(Boolean).sort()).toEqual(
    expect.arrayContaining([
      `${run}-orders`,
      expect.stringMatching(/reservation-requests-repartition$/),
      expect.stringMatching(/payment-requests/),
      expect.stringMatching(/notification-requests/),
    ]),
  );
  const tasks = new Set(inTrace.map((s) => s.attributes['streams.task_id']).filter(Boolean));
  expect(tasks.size).toBeGreaterThanOrEqual(3);
  const clientCalls = inTrace.filter((s) => s.name === 'POST').map((s) => String(s.attributes['url.full']));
  expect(clientCalls).toEqual(
    expect.arrayContaining([`${gateway.url}/v1/charges`, expect.stringContaining(new URL(webhook.url).host)]),
  );
  // Every span of the trace hangs off another span of it, up to the root.
  const ids = new Set(inTrace.map((s) => s.spanContext().spanId));
  for (const span of inTrace)
    if (span !== root) expect(ids.has(span.parentSpanContext?.spanId ?? '')).toBe(true);
}, 120_000);
