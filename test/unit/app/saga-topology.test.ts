import { buildSagaTopology, type SagaTopologyConfig } from '../../../app/saga-topology.ts';
import { sagaTopics } from '../../../app/saga-topics.ts';
import type { ChargeOutcome, NotificationMessage, PaymentPort } from '../../../processors/ports.ts';
import type { SkuStock } from '../../../processors/inventory.ts';
import { createEventSerdes, type OrderStatusChanged } from '../../../schemas/index.ts';
import { TopologyTestDriver } from '../../../testing/index.ts';
import { Serdes } from '../../../topology/index.ts';

const APP = 'saga-test';
const topics = sagaTopics(APP);
const json = (value: unknown) => Buffer.from(JSON.stringify(value));

function order(
  orderId: string,
  items: [string, number][],
  paymentMethod = 'card',
  contact: Record<string, string> = { email: 'ada@example.com' },
) {
  return {
    orderId,
    customerId: 'c-1',
    items: items.map(([sku, quantity]) => ({ sku, quantity, unitPrice: 1000 })),
    currency: 'EUR',
    paymentMethod,
    contact,
  };
}

/** A payment gateway double: answers by a script per order (default SUCCEEDED), records every call. */
class ScriptedGateway implements PaymentPort {
  readonly charges: string[] = [];
  readonly refunds: string[] = [];
  readonly script = new Map<string, ChargeOutcome['outcome'][]>();
  async charge(request: { orderId: string }, options: { idempotencyKey: string }): Promise<ChargeOutcome> {
    this.charges.push(options.idempotencyKey);
    const next = this.script.get(request.orderId)?.shift() ?? 'SUCCEEDED';
    if (next === 'SUCCEEDED') return { outcome: 'SUCCEEDED', chargeId: `ch-${request.orderId}` };
    if (next === 'DECLINED') return { outcome: 'DECLINED', reason: 'card declined' };
    return { outcome: 'RETRYABLE', reason: 'gateway 503' };
  }
  async refund(chargeId: string): Promise<{ outcome: string }> {
    this.refunds.push(chargeId);
    return { outcome: 'REFUNDED' };
  }
}

let driver: TopologyTestDriver;
let gateway: ScriptedGateway;
let delivered: { channel: string; message: NotificationMessage }[];

async function setUp(overrides: Partial<SagaTopologyConfig> = {}) {
  gateway = new ScriptedGateway();
  delivered = [];
  const serdes = await createEventSerdes({ outputFormat: 'json' });
  const config: SagaTopologyConfig = {
    topics,
    serdes,
    storeType: 'in_memory',
    reservationTimeoutMs: 60_000,
    expiryCheckIntervalMs: 1000,
    paymentMaxAttempts: 3,
    notificationMaxAttempts: 3,
    retryCheckIntervalMs: 100,
    notifyOn: ['CREATED', 'SHIPPED', 'REJECTED', 'CANCELLED', 'EXPIRED'],
    // Answers applied every 5 ms: the waits below are computed with it.
    outboundCalls: { completionCheckIntervalMs: 5 },
    ...overrides,
  };
  const topology = buildSagaTopology(config, {
    payment: gateway,
    notifier: {
      send: async (channel, message) => {
        delivered.push({ channel, message });
        return { ok: true };
      },
    },
    backoff: (attempt) => 100 * 2 ** (attempt - 1),
  });
  driver = new TopologyTestDriver(topology, { applicationId: APP, initialWallClockMs: 1_000_000 });
  const ordersIn = driver.createInputTopic(topics.orders, Serdes.String(), Serdes.Buffer());
  const stockIn = driver.createInputTopic(topics.stock, Serdes.String(), Serdes.Buffer());
  const statusOut = driver.createOutputTopic(
    topics.orderStatus,
    Serdes.String(),
    Serdes.Json<OrderStatusChanged>(),
  );
  const shipmentsOut = driver.createOutputTopic(
    topics.shipments,
    Serdes.String(),
    Serdes.Json<{ orderId: string; carrier: string }>(),
  );
  const notificationsOut = driver.createOutputTopic(
    topics.notifications,
    Serdes.String(),
    Serdes.Json<{ channel: string; status: string }>(),
  );
  return { ordersIn, stockIn, statusOut, shipmentsOut, notificationsOut };
}

/** Advances the wall clock in steps, as real time passes, so each punctuation sees its moment. */
async function advance(ms: number, step = 5): Promise<void> {
  for (let elapsed = 0; elapsed < ms; elapsed += step) await driver.advanceWallClockTime(step);
}

/** Lets the payment service apply its gateway answers (a punctuator does, every 5 ms here). */
const settle = () => advance(10);

afterEach(async () => {
  await driver?.close();
});

function statusesByOrder(
  records: { key: string | null; value: OrderStatusChanged | null }[],
): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const { value } of records) if (value) (out[value.orderId] ??= []).push(value.status);
  return out;
}

async function stockOf(sku: string): Promise<SkuStock | undefined> {
  return (await driver.getKeyValueStore<string, SkuStock>('inventory-store')).get(sku);
}

test('success: CREATED → RESERVED → PAID → SHIPPED, stock committed, shipment and notifications out', async () => {
  const t = await setUp();
  await t.stockIn.pipeInput(null, json({ sku: 'RED', delta: 10 }));
  await t.stockIn.pipeInput(null, json({ sku: 'BLUE', delta: 5 }));
  await t.ordersIn.pipeInput(
    null,
    json(
      order('o-1', [
        ['RED', 2],
        ['BLUE', 1],
      ]),
    ),
  );
  await settle();

  const statuses = t.statusOut.readKeyValuesToList();
  expect(statusesByOrder(statuses)).toEqual({ 'o-1': ['CREATED', 'RESERVED', 'PAID', 'SHIPPED'] });
  expect(statuses.map((s) => s.value?.previousStatus)).toEqual([null, 'CREATED', 'RESERVED', 'PAID']);
  expect(t.shipmentsOut.readValuesToList()).toEqual([
    expect.objectContaining({ orderId: 'o-1', carrier: 'postal' }),
  ]);
  expect(gateway.charges).toEqual(['o-1']);
  expect(await stockOf('RED')).toEqual({ onHand: 8, available: 8, reserved: 0, shortfall: 0 });
  expect(await stockOf('BLUE')).toEqual({ onHand: 4, available: 4, reserved: 0, shortfall: 0 });
  expect(delivered.map((d) => `${d.channel}:${d.message.subject}`)).toEqual([
    'EMAIL:Order o-1: created',
    'EMAIL:Order o-1: shipped',
  ]);
  expect(t.notificationsOut.readValuesToList().map((n) => n?.status)).toEqual(['CREATED', 'SHIPPED']);
});

test('rejection: a line without stock rejects the order and releases the lines already reserved', async () => {
  const t = await setUp();
  await t.stockIn.pipeInput(null, json({ sku: 'RED', delta: 10 }));
  await t.ordersIn.pipeInput(
    null,
    json(
      order('o-2', [
        ['RED', 3],
        ['NONE', 1],
      ]),
    ),
  );
  expect(statusesByOrder(t.statusOut.readKeyValuesToList())).toEqual({ 'o-2': ['CREATED', 'REJECTED'] });
  expect(await stockOf('RED')).toEqual({ onHand: 10, available: 10, reserved: 0, shortfall: 0 });
  expect(gateway.charges).toEqual([]);
});

test('payment declined: PAYMENT_FAILED → CANCELLED with reservations released', async () => {
  const t = await setUp();
  await t.stockIn.pipeInput(null, json({ sku: 'RED', delta: 4 }));
  gateway.script.set('o-3', ['DECLINED']);
  await t.ordersIn.pipeInput(null, json(order('o-3', [['RED', 4]])));
  await settle();
  expect(statusesByOrder(t.statusOut.readKeyValuesToList())).toEqual({
    'o-3': ['CREATED', 'RESERVED', 'PAYMENT_FAILED', 'CANCELLED'],
  });
  expect(await stockOf('RED')).toEqual({ onHand: 4, available: 4, reserved: 0, shortfall: 0 });
});

test('retryable gateway failures are retried by the punctuator with backoff, then succeed', async () => {
  const t = await setUp();
  await t.stockIn.pipeInput(null, json({ sku: 'RED', delta: 1 }));
  gateway.script.set('o-4', ['RETRYABLE', 'RETRYABLE', 'SUCCEEDED']);
  await t.ordersIn.pipeInput(null, json(order('o-4', [['RED', 1]])));
  expect(statusesByOrder(t.statusOut.readKeyValuesToList())).toEqual({ 'o-4': ['CREATED', 'RESERVED'] });
  // Answer applied at +5 ms, retry due at +105 (backoff 100), made by the check at +200; its
  // answer applied at +205, the next due at +405 (backoff 200), made at +500, applied at +505.
  await advance(210);
  expect(gateway.charges).toHaveLength(2);
  await advance(300);
  expect(gateway.charges).toEqual(['o-4', 'o-4', 'o-4']);
  expect(statusesByOrder(t.statusOut.readKeyValuesToList())).toEqual({ 'o-4': ['PAID', 'SHIPPED'] });
});

test('retries exhausted: FAILED → PAYMENT_FAILED → CANCELLED', async () => {
  const t = await setUp();
  await t.stockIn.pipeInput(null, json({ sku: 'RED', delta: 1 }));
  gateway.script.set('o-5', ['RETRYABLE', 'RETRYABLE', 'RETRYABLE']);
  await t.ordersIn.pipeInput(null, json(order('o-5', [['RED', 1]])));
  await advance(1000);
  expect(gateway.charges).toHaveLength(3);
  const statuses = t.statusOut.readKeyValuesToList();
  expect(statusesByOrder(statuses)).toEqual({
    'o-5': ['CREATED', 'RESERVED', 'PAYMENT_FAILED', 'CANCELLED'],
  });
  expect(statuses[2]?.value?.reason).toMatch(/gave up after 3 attempts/);
  expect((await stockOf('RED'))?.available).toBe(1);
});

test('expiry: no payment outcome within the timeout releases the stock; a late success is refunded', async () => {
  const t = await setUp({ reservationTimeoutMs: 150, expiryCheckIntervalMs: 100 });
  await t.stockIn.pipeInput(null, json({ sku: 'RED', delta: 2 }));
  gateway.script.set('o-6', ['RETRYABLE', 'RETRYABLE', 'SUCCEEDED']);
  // The third attempt (due at +300 ms) succeeds after the reservation expired (+150 ms).
  await t.ordersIn.pipeInput(null, json(order('o-6', [['RED', 2]])));
  await advance(600);
  const statuses = statusesByOrder(t.statusOut.readKeyValuesToList());
  expect(statuses['o-6']?.slice(0, 3)).toEqual(['CREATED', 'RESERVED', 'EXPIRED']);
  expect(statuses['o-6']).not.toContain('SHIPPED');
  expect((await stockOf('RED'))?.available).toBe(2);
  expect(gateway.refunds).toEqual(['ch-o-6']);
});

test('a duplicate orderId is one order', async () => {
  const t = await setUp();
  await t.stockIn.pipeInput(null, json({ sku: 'RED', delta: 10 }));
  await t.ordersIn.pipeInput(null, json(order('o-7', [['RED', 1]])));
  await t.ordersIn.pipeInput(null, json(order('o-7', [['RED', 5]])));
  await settle();
  expect(statusesByOrder(t.statusOut.readKeyValuesToList())).toEqual({
    'o-7': ['CREATED', 'RESERVED', 'PAID', 'SHIPPED'],
  });
  expect((await stockOf('RED'))?.onHand).toBe(9);
});

test('malformed input goes to dead-letter with its reason and processing continues', async () => {
  const t = await setUp();
  await t.stockIn.pipeInput(null, json({ sku: 'RED', delta: 1 }));
  await t.ordersIn.pipeInput('k', Buffer.from('not json'));
  await t.ordersIn.pipeInput(
    null,
    json({ ...order('bad', [['RED', 1]]), items: [{ sku: 'RED', quantity: -1, unitPrice: 1 }] }),
  );
  await t.stockIn.pipeInput(null, json({ sku: 'RED' }));
  await t.ordersIn.pipeInput(null, json(order('o-8', [['RED', 1]])));
  await settle();
  const dead = driver.deadLetterRecords();
  expect(dead.map((d) => d.reason)).toEqual([
    expect.stringMatching(/neither a JSON object nor Confluent-wire Avro/),
    expect.stringMatching(/items\[0\]\.quantity: expected >= 1, got -1/),
    expect.stringMatching(/delta: expected int/),
  ]);
  expect(dead[0]?.value?.toString()).toBe('not json');
  expect(statusesByOrder(t.statusOut.readKeyValuesToList())['o-8']).toEqual([
    'CREATED',
    'RESERVED',
    'PAID',
    'SHIPPED',
  ]);
});

test('hot SKU: N orders for a SKU with stock < N reserve exactly the stock; stock is conserved', async () => {
  const t = await setUp();
  await t.stockIn.pipeInput(null, json({ sku: 'HOT', delta: 7 }));
  for (let i = 0; i < 20; i++) await t.ordersIn.pipeInput(null, json(order(`h-${i}`, [['HOT', 1]])));
  await settle();
  const final = Object.values(statusesByOrder(t.statusOut.readKeyValuesToList())).map((s) => s.at(-1));
  expect(final.filter((s) => s === 'SHIPPED')).toHaveLength(7);
  expect(final.filter((s) => s === 'REJECTED')).toHaveLength(13);
  const stock = await stockOf('HOT');
  expect(stock).toEqual({ onHand: 0, available: 0, reserved: 0, shortfall: 0 });
});

test('shrinkage applies only to available stock; the rest is recorded as shortfall', async () => {
  const t = await setUp();
  await t.stockIn.pipeInput(null, json({ sku: 'RED', delta: 5 }));
  gateway.script.set('o-9', ['RETRYABLE']);
  await t.ordersIn.pipeInput(null, json(order('o-9', [['RED', 4]])));
  await t.stockIn.pipeInput(null, json({ sku: 'RED', delta: -3 }));
  expect(await stockOf('RED')).toEqual({ onHand: 4, available: 0, reserved: 4, shortfall: 2 });
});
