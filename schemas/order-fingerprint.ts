import { createHash } from 'node:crypto';
import type { OrderCreated } from './types.ts';

/**
 * What makes two submissions of one orderId the same order: customer, lines (in any order: a SKU
 * appears once per order), currency, payment method and contact. `createdAt` is left out: the API
 * stamps it on every POST that omits it, so an identical retry would otherwise differ. The `v1:`
 * prefix lets a later definition coexist with fingerprints already stored.
 */
export function orderFingerprint(order: OrderCreated): string {
  const items = [...order.items]
    .sort((a, b) => (a.sku < b.sku ? -1 : a.sku > b.sku ? 1 : 0))
    .map((item) => [item.sku, item.quantity, item.unitPrice]);
  const { email, phone, webhookUrl } = order.contact;
  const canonical = JSON.stringify([
    order.customerId,
    items,
    order.currency,
    order.paymentMethod,
    [email, phone, webhookUrl],
  ]);
  return `v1:${createHash('sha256').update(canonical).digest('hex')}`;
}
