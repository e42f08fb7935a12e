import { KafkaClient } from '../../runtime/index.ts';
import { TERMINAL_STATUSES, type OrderStatus, type OrderStatusChanged } from '../../schemas/index.ts';
import type { SkuStock } from '../../processors/inventory.ts';
import { LEGAL_NEXT } from '../../app/demo-books.ts';

export interface SagaBooks {
  orders: number;
  terminal: Partial<Record<OrderStatus, number>>;
  unitsShipped: number;
  unitsRemoved: number;
  violations: string[];
}

/**
 * The invariants of CONTRACT.md after a load run, checked from outside as a user could: every
 * order of the run exactly one terminal state through legal transitions, none emitted twice
 * (order-status read_committed); per SKU no oversell, on hand = available + reserved and nothing
 * left reserved (the service's /stock API); units gone from stock = units shipped; at most one
 * successful charge per order and exactly one per shipped order (the gateway's books).
 */
export async function checkSagaBooks(options: {
  bootstrap: string;
  statusTopic: string;
  orderIds: readonly string[];
  linesPerOrder: number;
  httpUrl: string;
  skus: readonly string[];
  initialPerSku: number;
  successfulCharges: (orderId: string) => number;
}): Promise<SagaBooks> {
  const violations: string[] = [];
  const kafka = await KafkaClient.connect({ bootstrapServers: [options.bootstrap], clientId: 'bench-books' });
  const history = new Map<string, OrderStatus[]>();
  try {
    const ours = new Set(options.orderIds);
    for (const record of await kafka.readAll(options.statusTopic)) {
      if (!record.value) continue;
      const event = JSON.parse(record.value.toString('utf8')) as OrderStatusChanged;
      if (!ours.has(event.orderId)) continue;
      const list = history.get(event.orderId) ?? [];
      list.push(event.status);
      history.set(event.orderId, list);
    }
  } finally {
    await kafka.close();
  }
  const terminal: Partial<Record<OrderStatus, number>> = {};
  let shippedOrders = 0;
  for (const orderId of options.orderIds) {
    const statuses = history.get(orderId) ?? [];
    let previous = 'START';
    for (const status of statuses) {
      if (!LEGAL_NEXT[previous]?.includes(status))
        violations.push(`${orderId}: illegal ${previous} → ${status}`);
      previous = status;
    }
    const ends = statuses.filter((s) => TERMINAL_STATUSES.includes(s));
    if (ends.length !== 1)
      violations.push(`${orderId}: ${ends.length} terminal states (${statuses.join(' → ')})`);
    const end = ends[0];
    if (end) terminal[end] = (terminal[end] ?? 0) + 1;
    const charges = options.successfulCharges(orderId);
    if (charges > 1) violations.push(`${orderId}: ${charges} successful charges`);
    if (end === 'SHIPPED') {
      shippedOrders++;
      if (charges !== 1) violations.push(`${orderId}: shipped with ${charges} successful charges`);
    }
  }
  let unitsRemoved = 0;
  for (const sku of options.skus) {
    const stock = (await (
      await fetch(`${options.httpUrl}/stock/${encodeURIComponent(sku)}`)
    ).json()) as SkuStock;
    if (stock.available < 0 || stock.onHand < 0)
      violations.push(`${sku}: negative stock ${JSON.stringify(stock)}`);
    if (stock.onHand !== stock.available + stock.reserved)
      violations.push(`${sku}: not conserved ${JSON.stringify(stock)}`);
    if (stock.reserved !== 0) violations.push(`${sku}: ${stock.reserved} still reserved`);
    unitsRemoved += options.initialPerSku - stock.onHand;
  }
  const unitsShipped = shippedOrders * options.linesPerOrder;
  if (unitsRemoved !== unitsShipped)
    violations.push(`stock lost ${unitsRemoved} units but ${unitsShipped} were shipped`);
  return { orders: options.orderIds.length, terminal, unitsShipped, unitsRemoved, violations };
}
