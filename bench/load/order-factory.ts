import { distinctIndexes, type Random } from './prng.ts';

/** Orders of a load run, as CONTRACT.md's `OrderCreated` JSON. */
export const skuName = (n: number): string => `SKU-${n}`;

export const orderIdFor = (idPrefix: string, index: number): string => `${idPrefix}-${index}`;

/** The order index of `orderId` if it belongs to this run (`<idPrefix>-<index>`, index < total). */
export function orderIndexOf(orderId: string, idPrefix: string, total: number): number | undefined {
  if (!orderId.startsWith(idPrefix) || orderId.charCodeAt(idPrefix.length) !== 45 /* '-' */) return undefined;
  const digits = orderId.slice(idPrefix.length + 1);
  // Digits only: `run1-7` must not be read as an order of run `run1-` or of run `run`.
  if (!/^\d{1,15}$/.test(digits)) return undefined;
  const index = Number(digits);
  return index < total ? index : undefined;
}

export interface OrderShape {
  skus: number;
  linesPerOrder: number;
  random: Random;
}

/**
 * One order: `linesPerOrder` distinct SKUs chosen uniformly, quantity 1 each. `createdAt` is the
 * intended send time, so the pipeline's own createdAt→status latency measures what we measure.
 */
export function orderValue(orderId: string, shape: OrderShape, createdAtEpochMs: number): string {
  return JSON.stringify({
    orderId,
    customerId: 'load-generator',
    items: distinctIndexes(shape.random, shape.skus, shape.linesPerOrder).map((n) => ({
      sku: skuName(n),
      quantity: 1,
      unitPrice: 1000,
    })),
    currency: 'EUR',
    paymentMethod: 'card',
    contact: {},
    createdAt: createdAtEpochMs,
  });
}
