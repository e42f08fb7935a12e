import { ValidationError } from '../topology/errors.ts';
import type { EventName, EventTypes, OrderCreated, StockAdjusted } from './types.ts';

/** Domain rules the Avro schema cannot express (CONTRACT.md, console-producer formats). */
const MAX_ITEMS = 100;

function orderRules(order: OrderCreated): void {
  if (order.orderId.trim() === '') throw new ValidationError('orderId: must not be empty');
  if (order.items.length < 1 || order.items.length > MAX_ITEMS) {
    throw new ValidationError(`items: an order has 1-${MAX_ITEMS} items, got ${order.items.length}`);
  }
  const seen = new Set<string>();
  order.items.forEach((item, i) => {
    if (item.quantity < 1)
      throw new ValidationError(`items[${i}].quantity: expected >= 1, got ${item.quantity}`);
    if (!Number.isInteger(item.unitPrice) || item.unitPrice < 0) {
      throw new ValidationError(
        `items[${i}].unitPrice: expected a non-negative integer (minor units), got ${item.unitPrice}`,
      );
    }
    if (seen.has(item.sku))
      throw new ValidationError(`items[${i}].sku: ${item.sku} appears twice in one order`);
    seen.add(item.sku);
  });
}

function stockRules(stock: StockAdjusted): void {
  if (stock.sku.trim() === '') throw new ValidationError('sku: must not be empty');
}

const RULES: { [E in EventName]?: (value: EventTypes[E]) => void } = {
  'order-created': orderRules,
  'stock-adjusted': stockRules,
};

export function applyRules<E extends EventName>(event: E, value: EventTypes[E]): void {
  (RULES[event] as ((v: EventTypes[E]) => void) | undefined)?.(value);
}
