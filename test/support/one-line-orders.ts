import type { KafkaClient } from '../../runtime/index.ts';

export interface OneLineOrder {
  orderId: string;
  customerId: string;
  items: { sku: string; quantity: number; unitPrice: number }[];
  currency: string;
  paymentMethod: string;
  contact: Record<string, never>;
}

/**
 * Stocks `skus` with `delta` each, then places one order of one unit per SKU (`<run>-<i>`), as
 * the console producer would: JSON on the stock and orders topics. Returns the orders.
 */
export async function stockAndOrderEachSku(
  kafka: KafkaClient,
  topics: { stock: string; orders: string },
  run: string,
  skus: readonly string[],
  delta: number,
): Promise<OneLineOrder[]> {
  await kafka.produce(
    topics.stock,
    skus.map((sku) => ({ key: sku, value: JSON.stringify({ sku, delta }) })),
  );
  const orders = skus.map((sku, i) => ({
    orderId: `${run}-${i}`,
    customerId: 'c',
    items: [{ sku, quantity: 1, unitPrice: 100 }],
    currency: 'EUR',
    paymentMethod: 'card',
    contact: {},
  }));
  await kafka.produce(
    topics.orders,
    orders.map((o) => ({ key: o.orderId, value: JSON.stringify(o) })),
  );
  return orders;
}
