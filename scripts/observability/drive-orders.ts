/**
 * The observability check's workload: stock, then orders through the real order API (POST /orders)
 * with the failures the dashboards and alerts are about — declined cards, gateway 5xx (the fake
 * gateway's failure rate), a SKU that runs out, a SKU never stocked, duplicates — and malformed
 * lines written straight to the orders topic (dead letters).
 */
import type { KafkaClient } from '../../runtime/index.ts';
import type { SagaTopics } from '../../app/saga-topics.ts';

export const STOCK: Readonly<Record<string, number>> = { RED: 10_000, BLUE: 10_000, SCARCE: 8 };
/** Never stocked: its reservations are refused as unknown_sku. */
const GHOST = 'GHOST';

export interface Workload {
  orderIds: string[];
  malformed: number;
}

function order(runId: string, i: number) {
  const sku = i % 10 === 3 ? 'SCARCE' : i % 25 === 7 ? GHOST : i % 2 === 0 ? 'RED' : 'BLUE';
  return {
    orderId: `${runId}-o${i}`,
    customerId: `c-${i % 31}`,
    items: [
      { sku, quantity: 1 + (i % 2), unitPrice: 990 },
      ...(i % 4 === 0 ? [{ sku: 'BLUE', quantity: 1, unitPrice: 1490 }] : []),
    ],
    currency: 'EUR',
    // The fake gateway declines this payment method by rule; others get its random 5xx.
    paymentMethod: i % 12 === 5 ? 'card_declined' : 'card',
    contact: { email: `customer${i}@example.com`, ...(i % 5 === 0 ? { webhookUrl: `sub-${i}` } : {}) },
  };
}

/**
 * Loads stock, posts `count` orders at about `ratePerS` (a few at a time), repeats two of them
 * (duplicates) and writes malformed lines to the orders topic.
 */
export async function driveOrders(options: {
  kafka: KafkaClient;
  topics: SagaTopics;
  apiUrl: string;
  runId: string;
  count: number;
  ratePerS: number;
  progress: (line: string) => void;
}): Promise<Workload> {
  const { kafka, topics, apiUrl, runId, count, ratePerS, progress } = options;
  await kafka.produce(
    topics.stock,
    Object.entries(STOCK).map(([sku, delta]) => ({ key: null, value: JSON.stringify({ sku, delta }) })),
  );
  const orders = Array.from({ length: count }, (_, i) => order(runId, i));
  const post = async (body: unknown) => {
    const response = await fetch(`${apiUrl}/orders`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
      signal: AbortSignal.timeout(10_000),
    });
    if (response.status !== 202)
      throw new Error(`POST /orders answered ${response.status}: ${await response.text()}`);
  };
  const batch = 5;
  const started = Date.now();
  for (let i = 0; i < orders.length; i += batch) {
    const due = started + (i / ratePerS) * 1000;
    if (due > Date.now()) await new Promise((r) => setTimeout(r, due - Date.now()));
    await Promise.all(orders.slice(i, i + batch).map(post));
    if ((i + batch) % 100 < batch) progress(`posted ${Math.min(i + batch, count)}/${count} orders`);
  }
  await post(orders[0]);
  await post(orders[1]);
  const malformed = [
    { key: 'bad-1', value: 'this is not json' },
    { key: 'bad-2', value: JSON.stringify({ orderId: 'x', items: [] }) },
    {
      key: 'bad-3',
      value: JSON.stringify({
        ...orders[2],
        orderId: `${runId}-neg`,
        items: [{ sku: 'RED', quantity: -1, unitPrice: 1 }],
      }),
    },
  ];
  await kafka.produce(topics.orders, malformed);
  progress(`posted 2 duplicates; wrote ${malformed.length} malformed lines to ${topics.orders}`);
  return { orderIds: orders.map((o) => o.orderId), malformed: malformed.length };
}
