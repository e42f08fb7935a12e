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
