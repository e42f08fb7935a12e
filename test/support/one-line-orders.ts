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
  /**
   * Resolves once the stock is applied (e.g. read back through the API). Stock and orders take
   * different paths to the inventory (each through its own repartition topic), so an order sent
   * right behind its stock can overtake it — while a rebalance moves the stock's task, easily —
   * and be rejected for want of stock. Users see the same: an order is checked against the stock
   * the inventory knows when the order reaches it.
   */
  stockApplied: () => Promise<void> = async () => undefined,
): Promise<OneLineOrder[]> {
  await kafka.produce(
    topics.stock,
    skus.map((sku) => ({ key: sku, value: JSON.stringify({ sku, delta }) })),
  );
  await stockApplied();
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
