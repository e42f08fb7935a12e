import type { FakeGateway } from '../../connectors/testing.ts';
import type { SkuStock } from '../../processors/inventory.ts';
import type { KafkaClient } from '../../runtime/index.ts';
import { LEGAL_NEXT } from '../../app/demo-books.ts';
import { TERMINAL_STATUSES, type OrderStatusChanged } from '../../schemas/index.ts';
import { pause } from './saga-process.ts';
import { laggingPartitions } from './chaos-report.ts';

/**
 * The saga's books, as the chaos tests check them: orders that contend for scarce stock, the
 * status history read back from order-status, the settled stock from the order API, and the
 * invariants — one terminal state per order through legal transitions with no transition emitted
 * twice, no oversell, stock conserved, at most one successful charge per order.
 */
export interface SagaOrder {
  orderId: string;
  customerId: string;
  items: { sku: string; quantity: number; unitPrice: number }[];
  currency: string;
  paymentMethod: string;
  contact: Record<string, never>;
}

export type StatusHistory = Map<string, OrderStatusChanged[]>;

/** Every other order wants one SCARCE unit (and two PLENTY); every 17th card is declined. */
export function contendedOrders(run: string, count: number): SagaOrder[] {
  return Array.from({ length: count }, (_, i) => ({
    orderId: `${run}-${i}`,
    customerId: 'c',
    items:
      i % 2 === 0
        ? [
            { sku: 'SCARCE', quantity: 1, unitPrice: 100 },
            { sku: 'PLENTY', quantity: 2, unitPrice: 50 },
          ]
        : [{ sku: 'PLENTY', quantity: 1, unitPrice: 10 }],
    currency: 'EUR',
    paymentMethod: i % 17 === 0 ? 'card_declined' : 'card',
    contact: {},
  }));
}

/** One adjustment per SKU, then a pause so the inventory has the stock before the first order. */
export async function produceStock(
  kafka: KafkaClient,
  stockTopic: string,
  stock: Record<string, number>,
): Promise<void> {
  await kafka.produce(
    stockTopic,
    Object.entries(stock).map(([sku, delta]) => ({ key: null, value: JSON.stringify({ sku, delta }) })),
  );
  await pause(1500);
}

/** Wave `wave` of `waves` equal slices of the orders, unkeyed JSON as a user would send them. */
export async function produceWave(
  kafka: KafkaClient,
  ordersTopic: string,
  orders: readonly SagaOrder[],
  wave: number,
  waves: number,
): Promise<void> {
  const perWave = orders.length / waves;
  await kafka.produce(
    ordersTopic,
    orders.slice(wave * perWave, (wave + 1) * perWave).map((o) => ({ key: null, value: JSON.stringify(o) })),
  );
}

const finished = (history: StatusHistory, orderId: string) =>
  history.get(orderId)?.some((e) => TERMINAL_STATUSES.includes(e.status)) ?? false;

/** Reads order-status until every order has a terminal state or `timeoutMs` passes; `stuck` are those without one. */
export async function collectStatusHistory(
  kafka: KafkaClient,
  orderStatusTopic: string,
  orders: readonly SagaOrder[],
  timeoutMs: number,
): Promise<{ history: StatusHistory; stuck: string[] }> {
  const history: StatusHistory = new Map();
  const deadline = Date.now() + timeoutMs;
  const terminal = () => orders.filter((o) => finished(history, o.orderId)).length;
  while (terminal() < orders.length && Date.now() < deadline) {
    for (const record of await kafka.readNew(orderStatusTopic)) {
      const event = JSON.parse(record.value?.toString() ?? '{}') as OrderStatusChanged;
      history.set(event.orderId, [...(history.get(event.orderId) ?? []), event]);
    }
    await pause(500);
  }
  return { history, stuck: orders.map((o) => o.orderId).filter((id) => !finished(history, id)) };
}

/**
 * Stock per SKU from the order API, once the commits/releases of the last orders are applied
 * (nothing reserved). After a broker restart the saga's last stock requests can take a while:
 * producers re-initialise, lost commit markers are repaired, stores restored. The invariant is
 * that the books settle by themselves, not how fast, so the wait is generous (it ends as soon as
 * they do); when they never settle, the report says which SKUs hold what and which groups lag.
 */
export async function settledStock(
  httpPort: number,
  skus: readonly string[],
  options: { timeoutMs?: number; groupPrefix?: string } = {},
): Promise<Record<string, SkuStock>> {
  const deadline = Date.now() + (options.timeoutMs ?? 120_000);
  let books: Record<string, SkuStock> = {};
  for (;;) {
    books = {};
    for (const sku of skus) {
      const response = await fetch(`http://127.0.0.1:${httpPort}/stock/${sku}`).catch(() => null);
      // 503 while a task restores: not a stock answer yet.
      if (response?.ok) books[sku] = (await response.json()) as SkuStock;
    }
    const settled = skus.every((sku) => books[sku]?.reserved === 0);
    if (settled) return books;
    if (Date.now() > deadline) break;
    await pause(500);
  }
  process.stderr.write(
    `stock still reserved after ${Math.round((options.timeoutMs ?? 120_000) / 1000)} s: ${JSON.stringify(books)}\n` +
      (options.groupPrefix
        ? `partitions with lag > 1:\n  ${laggingPartitions(options.groupPrefix).join('\n  ')}\n`
        : ''),
  );
  return books;
}

/** The invariants (see the top of this file), each failure naming its order or SKU. */
export function expectBooksBalance(check: {
  orders: readonly SagaOrder[];
  history: StatusHistory;
  gateway: FakeGateway;
  books: Record<string, SkuStock>;
  stock: Record<string, number>;
}): void {
  const { orders, history, gateway, books, stock } = check;
  const shipped: Record<string, number> = Object.fromEntries(Object.keys(stock).map((sku) => [sku, 0]));
  for (const order of orders) {
    const events = history.get(order.orderId) ?? [];
    let previous = 'START';
    for (const event of events) {
      expect([
        order.orderId,
        previous,
        LEGAL_NEXT[previous]?.includes(event.status) ? 'legal' : event.status,
      ]).toEqual([order.orderId, previous, 'legal']);
      previous = event.status;
    }
    const ends = events.filter((e) => TERMINAL_STATUSES.includes(e.status));
    expect([order.orderId, ends.length]).toEqual([order.orderId, 1]);
    if (ends[0]?.status === 'SHIPPED')
      for (const item of order.items) shipped[item.sku] = (shipped[item.sku] ?? 0) + item.quantity;
    // One idempotency key per order at the gateway: never two successful charges.
    const succeeded = (gateway.charges().get(order.orderId) ?? []).filter(
      (c) => c.status === 'succeeded',
    ).length;
    expect([order.orderId, succeeded <= 1]).toEqual([order.orderId, true]);
    if (ends[0]?.status === 'SHIPPED') expect([order.orderId, succeeded]).toEqual([order.orderId, 1]);
  }
  for (const [sku, initial] of Object.entries(stock)) {
    const s = books[sku] as SkuStock;
    expect(shipped[sku]).toBeLessThanOrEqual(initial); // no oversell
    expect(s.onHand).toBe(initial - (shipped[sku] ?? 0)); // conservation: shipped units left, nothing else
    expect(s.onHand).toBe(s.available + s.reserved);
    expect(s.reserved).toBe(0);
  }
  expect(shipped.SCARCE).toBeGreaterThan(0);
}
