/** An order as the tests post it: one customer, card payment in EUR unless a test says otherwise. */
export interface TestOrder {
  orderId: string;
  items: { sku: string; quantity: number; unitPrice: number }[];
  contact: Record<string, string | null>;
  customerId?: string;
  currency?: string;
  paymentMethod?: string;
}

/** POST /orders on `baseUrl` with `order` as JSON; the caller checks the answer. */
export function postOrder(baseUrl: string, order: TestOrder): Promise<Response> {
  return fetch(`${baseUrl}/orders`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ customerId: 'c-1', currency: 'EUR', paymentMethod: 'card', ...order }),
  });
}

/** The stock of one SKU as GET /stock/:sku answers it. */
export interface StockView {
  sku: string;
  onHand: number;
  reserved: number;
  available: number;
}

/**
 * GET /stock/`sku` once nothing is reserved any more. An order's SHIPPED (or CANCELLED) status is
 * visible a moment before the inventory task applies the stock commit (or release) that goes with
 * it — that reaches the SKU's partition through the reservation-requests topic — so a test that
 * checks the books after the last order reached its end waits for the stock to settle.
 * Throws with the last stock seen when it does not settle within `timeoutMs`.
 */
export async function settledStock(baseUrl: string, sku: string, timeoutMs = 60_000): Promise<StockView> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const response = await fetch(`${baseUrl}/stock/${encodeURIComponent(sku)}`);
    const last: unknown = response.ok ? await response.json() : `HTTP ${response.status}`;
    if (typeof last === 'object' && last !== null && (last as StockView).reserved === 0)
      return last as StockView;
    if (Date.now() > deadline)
      throw new Error(
        `stock of ${sku} did not settle within ${timeoutMs} ms; last seen: ${JSON.stringify(last)}`,
      );
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}
