import { Registry } from 'prom-client';
import { buildSagaTopology } from '../../../app/saga-topology.ts';
import { sagaMetrics } from '../../../app/saga-metrics.ts';
import { sagaTopics } from '../../../app/saga-topics.ts';
import type { ChargeOutcome, PaymentPort } from '../../../processors/ports.ts';
import type { SkuStock } from '../../../processors/inventory.ts';
import { createEventSerdes } from '../../../schemas/index.ts';
import { TopologyTestDriver } from '../../../testing/index.ts';
import { Serdes } from '../../../topology/index.ts';

const APP = 'saga-metrics-test';
const topics = sagaTopics(APP);
const json = (value: unknown) => Buffer.from(JSON.stringify(value));
const order = (orderId: string, items: [string, number][], paymentMethod = 'card') => ({
  orderId,
  customerId: 'c-1',
  items: items.map(([sku, quantity]) => ({ sku, quantity, unitPrice: 1000 })),
  currency: 'EUR',
  paymentMethod,
  contact: { email: 'ada@example.com' },
});

/** Declines `declined`, fails `flaky` once with a retryable error, charges the rest. */
function gateway(): PaymentPort {
  const failedOnce = new Set<string>();
  return {
    async charge(request): Promise<ChargeOutcome> {
      if (request.paymentMethod === 'declined') return { outcome: 'DECLINED', reason: 'card declined' };
      if (request.paymentMethod === 'flaky' && !failedOnce.has(request.orderId)) {
        failedOnce.add(request.orderId);
        return { outcome: 'RETRYABLE', reason: 'gateway 503' };
      }
      return { outcome: 'SUCCEEDED', chargeId: `ch-${request.orderId}` };
    },
    refund: async () => ({ outcome: 'REFUNDED' }),
  };
}

let driver: TopologyTestDriver | undefined;
afterEach(async () => {
  await driver?.close();
  driver = undefined;
});

async function setUp() {
  const registry = new Registry();
  const topology = buildSagaTopology(
    {
      topics,
      serdes: await createEventSerdes({ outputFormat: 'json' }),
      storeType: 'in_memory',
      reservationTimeoutMs: 60_000,
      expiryCheckIntervalMs: 1000,
      paymentMaxAttempts: 3,
      notificationMaxAttempts: 3,
      retryCheckIntervalMs: 100,
      notifyOn: [],
      outboundCalls: { completionCheckIntervalMs: 5 },
    },
    {
      payment: gateway(),
      notifier: { send: async () => ({ ok: true }) },
      backoff: () => 100,
      metrics: sagaMetrics(registry),
    },
  );
  driver = new TopologyTestDriver(topology, { applicationId: APP, initialWallClockMs: 1_000_000 });
  const ordersIn = driver.createInputTopic(topics.orders, Serdes.String(), Serdes.Buffer());
  const stockIn = driver.createInputTopic(topics.stock, Serdes.String(), Serdes.Buffer());
  /** The value of one series (labels given exactly), 0 when it was never counted. */
  const value = async (name: string, labels: Record<string, string> = {}): Promise<number> => {
    const metric = (await registry.getMetricsAsJSON()).find((m) => m.name === name);
    const sample = metric?.values.find((v) =>
      Object.entries(labels).every(([k, l]) => String(v.labels[k]) === l),
    );
    return sample?.value ?? 0;
  };
  return { ordersIn, stockIn, value, driver };
}

test('counts the saga where it decides: statuses, rejects by reason, payment outcomes, compensations', async () => {
  const t = await setUp();
  await t.stockIn.pipeInput(null, json({ sku: 'RED', delta: 4 }));
  await t.stockIn.pipeInput(null, json({ sku: 'BLUE', delta: 5 }));
  await t.ordersIn.pipeInput(null, json(order('shipped', [['RED', 3]])));
  await t.ordersIn.pipeInput(null, json(order('no-stock', [['RED', 2]])));
  await t.ordersIn.pipeInput(
    null,
    json(
      order('unknown', [
        ['BLUE', 1],
        ['NONE', 1],
      ]),
    ),
  );
  await t.ordersIn.pipeInput(null, json(order('declined', [['BLUE', 1]], 'declined')));
  await t.ordersIn.pipeInput(null, json(order('flaky', [['BLUE', 1]], 'flaky')));
  await t.ordersIn.pipeInput(null, json(order('shipped', [['RED', 3]])));
  for (let i = 0; i < 5; i++) await t.driver.advanceWallClockTime(100);

  expect(await t.value('saga_orders_total', { status: 'CREATED' })).toBe(5);
  expect(await t.value('saga_orders_total', { status: 'SHIPPED' })).toBe(2);
  expect(await t.value('saga_orders_total', { status: 'REJECTED' })).toBe(2);
  expect(await t.value('saga_orders_total', { status: 'CANCELLED' })).toBe(1);
  expect(await t.value('saga_duplicate_orders_total')).toBe(1);
  expect(await t.value('saga_reservation_rejects_total', { reason: 'insufficient_stock' })).toBe(1);
  expect(await t.value('saga_reservation_rejects_total', { reason: 'unknown_sku' })).toBe(1);
  expect(await t.value('saga_payment_attempts_total', { outcome: 'RETRYABLE' })).toBe(1);
  expect(await t.value('saga_payment_attempts_total', { outcome: 'SUCCEEDED' })).toBe(2);
  expect(await t.value('saga_payment_retries_total')).toBe(1);
  expect(await t.value('saga_payment_results_total', { outcome: 'DECLINED' })).toBe(1);
  expect(await t.value('saga_payment_results_total', { outcome: 'SUCCEEDED' })).toBe(2);
  // 'unknown' held BLUE when NONE was refused; 'declined' held BLUE when its card was.
  expect(await t.value('saga_compensations_total', { action: 'release_stock', cause: 'rejected' })).toBe(1);
  expect(
    await t.value('saga_compensations_total', { action: 'release_stock', cause: 'payment_failed' }),
  ).toBe(1);
  expect(await t.value('saga_order_e2e_latency_seconds', { status: 'SHIPPED', le: '+Inf' })).toBe(2);
  expect(await t.value('saga_order_e2e_latency_seconds', { status: 'REJECTED', le: '+Inf' })).toBe(2);
  expect(await t.value('saga_oversell_total')).toBe(0);
});

test('oversell: a decision that would take stock below zero is counted (and a reservation refused)', async () => {
  const t = await setUp();
  await t.stockIn.pipeInput(null, json({ sku: 'RED', delta: 5 }));
  // A store that broke the invariant (on hand 1, yet 5 available): committing 3 would leave -2.
  const stock = await t.driver.getKeyValueStore<string, SkuStock>('inventory-store');
  await stock.put('RED', { onHand: 1, available: 5, reserved: 0, shortfall: 0 });
  await t.ordersIn.pipeInput(null, json(order('o-1', [['RED', 3]])));
  // The charge's answer is applied by the payment service's next check (5 ms); the commit then.
  for (let i = 0; i < 2; i++) await t.driver.advanceWallClockTime(5);
  expect(await t.value('saga_oversell_total')).toBe(1);
  expect(await t.value('saga_orders_total', { status: 'SHIPPED' })).toBe(1);
});
