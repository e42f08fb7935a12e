/**
 * How the orders CLI shows the API's answers to a person: aligned text tables. Pure.
 */
import type { Accepted, OrderView, StockView } from './order-api-client.ts';

/** Rows under a header, each column as wide as its widest cell, separated by two spaces. */
export function table(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: readonly string[]) =>
    cells
      .map((c, i) => c.padEnd(widths[i] ?? 0))
      .join('  ')
      .trimEnd();
  return [line(header), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n');
}

/** Minor units with the currency, e.g. `39.98 EUR (3998)`: two decimals is a guess only the minor units settle. */
function money(amount: number, currency: string): string {
  return `${(amount / 100).toFixed(2)} ${currency} (${amount} minor units)`;
}

export function renderAccepted(status: number, accepted: Accepted): string {
  const lines = [`order ${accepted.orderId} accepted (${status} ${accepted.status})`];
  if (accepted.ignoredFields?.length) lines.push(`ignored fields: ${accepted.ignoredFields.join(', ')}`);
  lines.push(`follow it: npm run orders -- status ${accepted.orderId}`);
  return lines.join('\n');
}

export function renderOrder(order: OrderView): string {
  const summary = table(
    ['field', 'value'],
    [
      ['order', order.orderId],
      ['status', order.status],
      ['created', new Date(order.createdAt).toISOString()],
      ['amount', money(order.amount, order.currency)],
    ],
  );
  const lines = table(
    ['sku', 'line state'],
    Object.entries(order.lines).map(([sku, state]) => [sku, state]),
  );
  return `${summary}\n\n${lines}`;
}

export function renderStock(stock: readonly StockView[]): string {
  return table(
    ['sku', 'on hand', 'available', 'reserved', 'shortfall'],
    stock.map((s) => [s.sku, String(s.onHand), String(s.available), String(s.reserved), String(s.shortfall)]),
  );
}
