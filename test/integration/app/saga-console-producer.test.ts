import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { pipelineConfigFromEnv } from '../../../app/config.ts';
import { startPipeline, type RunningPipeline } from '../../../app/pipeline.ts';
import { sagaTopics } from '../../../app/saga-topics.ts';
import {
  startFakeGateway,
  startTestSmtpServer,
  type FakeGateway,
  type TestSmtpServer,
} from '../../../connectors/testing.ts';
import { createLogger } from '../../../runtime/index.ts';
import { TERMINAL_STATUSES, type OrderStatusChanged } from '../../../schemas/index.ts';
import { runConsoleProducer } from '../../../stack/kafka-tools.ts';
import { stackConfig } from '../../../stack/config.ts';
import { BOOTSTRAP } from '../../support/kafka.ts';
import { postOrder, settledStock } from '../../support/order-api.ts';

/**
 * The whole saga on the real broker and PostgreSQL: stock and orders are typed into the real
 * kafka-console-producer (the CONTRACT.md console formats), the result is read from order-status.
 */
let pipeline: RunningPipeline;
let gateway: FakeGateway;
let smtp: TestSmtpServer;
let stateDir: string;
const run = `e2e${Date.now().toString(36)}`;
const applicationId = `${run}-saga`;
const topics = sagaTopics(applicationId, `${run}-`);
// Order ids unique per run, so rows of earlier runs in the shared read model cannot satisfy the test.
const [ok, short, declined] = [`${run}-ok`, `${run}-short`, `${run}-declined`];

beforeAll(async () => {
  gateway = await startFakeGateway({ latencyMs: 1 });
  smtp = await startTestSmtpServer();
  stateDir = mkdtempSync(join(tmpdir(), 'saga-e2e-'));
  pipeline = await startPipeline(
    {
      ...pipelineConfigFromEnv({}),
      bootstrapServers: [BOOTSTRAP],
      applicationId,
      topicPrefix: `${run}-`,
      stateDir,
      httpPort: 0,
      paymentGatewayUrl: gateway.url,
      smtp: { host: smtp.host, port: smtp.port, from: 'orders@example.com' },
      databaseUrl: stackConfig.databaseUrl,
    },
    createLogger('e2e'),
  );
});

afterAll(async () => {
  await pipeline?.stop();
  await Promise.allSettled([gateway?.close(), smtp?.close()]);
  rmSync(stateDir, { recursive: true, force: true });
});

async function finalStatuses(
  orderIds: string[],
  timeoutMs = 60_000,
): Promise<Map<string, OrderStatusChanged[]>> {
  const history = new Map<string, OrderStatusChanged[]>();
  const deadline = Date.now() + timeoutMs;
  const done = () =>
    orderIds.every((id) => history.get(id)?.some((e) => TERMINAL_STATUSES.includes(e.status)));
  while (!done() && Date.now() < deadline) {
    for (const record of await pipeline.kafka.readNew(topics.orderStatus)) {
      const event = JSON.parse(record.value?.toString() ?? '{}') as OrderStatusChanged;
      history.set(event.orderId, [...(history.get(event.orderId) ?? []), event]);
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  return history;
}

test('orders and stock typed into kafka-console-producer flow through the saga to order-status and the read model', async () => {
  await runConsoleProducer({
    topic: topics.stock,
    lines: ['{"sku":"SKU-RED","delta":3}', '{"sku":"SKU-BLUE","delta":10}'],
  });
  // Stock and orders travel different paths to the inventory: let the stock land first.
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    const blue = await fetch(`${pipeline.httpUrl}/stock/SKU-BLUE`);
    if (blue.ok && (await fetch(`${pipeline.httpUrl}/stock/SKU-RED`)).ok) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  const order = (id: string, items: string, paymentMethod = 'card') =>
    `{"orderId":"${id}","customerId":"c-7","items":[${items}],"currency":"EUR","paymentMethod":"${paymentMethod}","contact":{"email":"ada@example.com"}}`;
  await runConsoleProducer({
    topic: topics.orders,
    lines: [
      order(
        ok,
        '{"sku":"SKU-RED","quantity":2,"unitPrice":1999},{"sku":"SKU-BLUE","quantity":1,"unitPrice":4999}',
      ),
      order(short, '{"sku":"SKU-RED","quantity":4,"unitPrice":1999}'),
      order(declined, '{"sku":"SKU-BLUE","quantity":1,"unitPrice":4999}', 'card_declined'),
      'this line is not an order',
    ],
  });

  const history = await finalStatuses([ok, short, declined]);
  const statuses = (id: string) => history.get(id)?.map((e) => e.status);
  expect(statuses(ok)).toEqual(['CREATED', 'RESERVED', 'PAID', 'SHIPPED']);
  expect(statuses(short)).toEqual(['CREATED', 'REJECTED']);
  expect(statuses(declined)).toEqual(['CREATED', 'RESERVED', 'PAYMENT_FAILED', 'CANCELLED']);

  const deadLetters = await pipeline.kafka.readNew(topics.deadLetter);
  expect(deadLetters.map((r) => r.value?.toString())).toEqual(['this line is not an order']);
  expect(deadLetters[0]?.headers.get('error.reason')?.toString()).toMatch(/neither a JSON object/);

  // Interactive query on the inventory store: what shipped left, nothing stays reserved.
  const stock = await settledStock(pipeline.httpUrl, 'SKU-RED');
  expect(stock).toMatchObject({ sku: 'SKU-RED', onHand: 1, available: 1, reserved: 0 });

  // The read model caught up, exactly once per order.
  const pool = new pg.Pool({ connectionString: stackConfig.databaseUrl });
  try {
    const deadline = Date.now() + 20_000;
    let rows: { order_id: string; status: string }[] = [];
    while (Date.now() < deadline) {
      rows = (
        await pool.query(
          'SELECT order_id, status FROM orders_read_model WHERE order_id = ANY($1) ORDER BY order_id',
          [[ok, short, declined]],
        )
      ).rows;
      if (rows.length === 3 && rows.every((r) => TERMINAL_STATUSES.includes(r.status as never))) break;
      await new Promise((r) => setTimeout(r, 200));
    }
    expect(rows).toEqual([
      { order_id: declined, status: 'CANCELLED' },
      { order_id: ok, status: 'SHIPPED' },
      { order_id: short, status: 'REJECTED' },
    ]);
  } finally {
    await pool.end();
  }
  expect(
    gateway
      .charges()
      .get(ok)
      ?.filter((c) => c.status === 'succeeded'),
  ).toHaveLength(1);
});

test('the order API validates, accepts, and answers from the local stores', async () => {
  const bad = await fetch(`${pipeline.httpUrl}/orders`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      orderId: 'x',
      customerId: 'c',
      items: [],
      currency: 'EUR',
      paymentMethod: 'card',
      contact: {},
    }),
  });
  expect(bad.status).toBe(400);
  expect(((await bad.json()) as { error: string }).error).toMatch(/1-100 items, got 0/);

  const orderId = `${run}-api`;
  const accepted = await postOrder(pipeline.httpUrl, {
    orderId,
    customerId: 'c',
    items: [{ sku: 'SKU-BLUE', quantity: 1, unitPrice: 100 }],
    contact: {},
  });
  expect(accepted.status).toBe(202);
  let status = '';
  for (let i = 0; i < 150 && status !== 'SHIPPED'; i++) {
    const response = await fetch(`${pipeline.httpUrl}/orders/${orderId}`);
    if (response.ok) status = ((await response.json()) as { status: string }).status;
    if (status !== 'SHIPPED') await new Promise((r) => setTimeout(r, 100));
  }
  expect(status).toBe('SHIPPED');
  expect((await fetch(`${pipeline.httpUrl}/orders/does-not-exist`)).status).toBe(404);
  expect((await fetch(`${pipeline.httpUrl}/readyz`)).status).toBe(200);
  expect(await (await fetch(`${pipeline.httpUrl}/metrics`)).text()).toMatch(
    /saga_orders_total\{status="SHIPPED"/,
  );
});
