import type { ShipmentScheduled } from '../schemas/index.ts';

/**
 * Shipping's rule, deliberately simple and deterministic: small parcels (≤ 3 units) go by the
 * postal carrier in 3 days, anything bigger by freight in 5 days.
 */
export const SMALL_PARCEL_MAX_UNITS = 3;

export function planShipment(
  order: { orderId: string; items: readonly { quantity: number }[] },
  nowMs: number,
): ShipmentScheduled {
  const units = order.items.reduce((sum, item) => sum + item.quantity, 0);
  const small = units <= SMALL_PARCEL_MAX_UNITS;
  return {
    orderId: order.orderId,
    carrier: small ? 'postal' : 'freight',
    etaDays: small ? 3 : 5,
    scheduledAt: nowMs,
  };
}
