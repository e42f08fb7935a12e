import { shown, type FieldProblem } from './field-errors.ts';
import { isIso4217Code } from './iso-4217.ts';
import type { OrderCreated, StockAdjusted } from './types.ts';

/**
 * Limits of an order (docs/order-validation.md), the same for the order API and the `orders` topic.
 * Each number is what a sane order needs with room to spare, small enough that no field can carry
 * a payload: identifiers fit UUIDs, ULIDs and prefixed ids (`shop-eu:o-123`) and travel as Kafka
 * keys and URL paths without escaping; 100 lines is CONTRACT.md's; quantity × price × lines stays
 * far below 2^53, so the order's amount is exact.
 */
export const ORDER_LIMITS = {
  /** orderId, customerId, items[].sku, paymentMethod (and a stock record's sku). */
  identifierChars: /^[A-Za-z0-9._:-]+$/,
  identifierMaxLength: 64,
  maxItems: 100,
  maxQuantity: 1_000,
  /** Minor units: 1,000,000.00 in a two-decimal currency. */
  maxUnitPrice: 100_000_000,
  emailMaxLength: 254,
  webhookUrlMaxLength: 2_048,
  /** Largest epoch-ms a JavaScript Date holds (year 275760). */
  maxTimestampMs: 8_640_000_000_000_000,
} as const;

const IDENTIFIER_ALLOWED = `1-${ORDER_LIMITS.identifierMaxLength} characters of A-Z a-z 0-9 . _ : -`;

/** Why a value is not an identifier, or null when it is one. */
export function identifierProblem(value: string): string | null {
  if (value.length === 0) return `must not be empty (${IDENTIFIER_ALLOWED})`;
  if (value.length > ORDER_LIMITS.identifierMaxLength)
    return `expected ${IDENTIFIER_ALLOWED}, got ${value.length} characters`;
  if (!ORDER_LIMITS.identifierChars.test(value)) return `expected ${IDENTIFIER_ALLOWED}, got ${shown(value)}`;
  return null;
}

// RFC 5321 sizes (local part 64, whole address 254) with the dot-atom characters of RFC 5322;
// domains in ASCII (an internationalised domain is sent as its punycode `xn--` form).
const EMAIL =
  /^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]{1,64}@[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$/;
// E.164: a plus, a country code that does not start with 0, at most 15 digits in all; the SMS
// channel sends to exactly this form.
const E164 = /^\+[1-9][0-9]{6,14}$/;

function emailProblem(email: string): string | null {
  if (email.length > ORDER_LIMITS.emailMaxLength || !EMAIL.test(email))
    return `expected an address like ada@example.com (at most ${ORDER_LIMITS.emailMaxLength} characters), got ${shown(email)}`;
  return null;
}

function phoneProblem(phone: string): string | null {
  return E164.test(phone) ? null : `expected E.164 like +4915112345678, got ${shown(phone)}`;
}

/**
 * The webhook channel posts to its configured endpoint and sends this value as the recipient (data
 * never chooses where a call goes), so it is an http(s) URL naming the subscriber's hook or a
 * subscriber id; either way bounded and free of credentials.
 */
function webhookProblem(value: string): string | null {
  const allowed = `an http(s) URL without user:password of at most ${ORDER_LIMITS.webhookUrlMaxLength} characters, or a subscriber id (${IDENTIFIER_ALLOWED})`;
  if (!/^https?:\/\//i.test(value))
    return identifierProblem(value) === null ? null : `expected ${allowed}, got ${shown(value)}`;
  const url = URL.canParse(value) ? new URL(value) : null;
  const ok =
    url !== null &&
    value.length <= ORDER_LIMITS.webhookUrlMaxLength &&
    !/\s/.test(value) &&
    url.username === '' &&
    url.password === '';
  return ok ? null : `expected ${allowed}, got ${shown(value)}`;
}

function itemProblems(order: OrderCreated): FieldProblem[] {
  const problems: FieldProblem[] = [];
  const add = (field: string, reason: string | null) => {
    if (reason !== null) problems.push({ field, reason });
  };
  const { maxItems, maxQuantity, maxUnitPrice } = ORDER_LIMITS;
  if (order.items.length < 1 || order.items.length > maxItems)
    add('items', `an order has 1-${maxItems} items, got ${order.items.length}`);
  const seen = new Set<string>();
  order.items.slice(0, maxItems).forEach((item, i) => {
    const skuProblem = identifierProblem(item.sku);
    add(`items[${i}].sku`, skuProblem);
    // Only a valid SKU is named back, so the reason stays short and plain.
    if (skuProblem === null && seen.has(item.sku))
      add(`items[${i}].sku`, `${item.sku} appears twice in one order`);
    seen.add(item.sku);
    if (item.quantity < 1) add(`items[${i}].quantity`, `expected >= 1, got ${item.quantity}`);
    else if (item.quantity > maxQuantity)
      add(`items[${i}].quantity`, `expected <= ${maxQuantity} per line, got ${item.quantity}`);
    if (!Number.isSafeInteger(item.unitPrice) || item.unitPrice < 0 || item.unitPrice > maxUnitPrice)
      add(
        `items[${i}].unitPrice`,
        `expected a non-negative integer (minor units) <= ${maxUnitPrice}, got ${item.unitPrice}`,
      );
  });
  return problems;
}

/** Every rule an order breaks, in field order; empty when it is sane. Types are the schema's business. */
export function orderProblems(order: OrderCreated): FieldProblem[] {
  const problems: FieldProblem[] = [];
  const add = (field: string, reason: string | null) => {
    if (reason !== null) problems.push({ field, reason });
  };
  add('orderId', identifierProblem(order.orderId));
  add('customerId', identifierProblem(order.customerId));
  problems.push(...itemProblems(order));
  if (!isIso4217Code(order.currency))
    add(
      'currency',
      `expected an active ISO 4217 code in upper case (EUR, USD, JPY, …), got ${shown(order.currency)}`,
    );
  add('paymentMethod', identifierProblem(order.paymentMethod));
  const { email, phone, webhookUrl } = order.contact;
  if (email !== null) add('contact.email', emailProblem(email));
  if (phone !== null) add('contact.phone', phoneProblem(phone));
  if (webhookUrl !== null) add('contact.webhookUrl', webhookProblem(webhookUrl));
  const { createdAt } = order;
  if (createdAt !== null && (createdAt < 0 || createdAt > ORDER_LIMITS.maxTimestampMs))
    add('createdAt', `expected epoch milliseconds 0-${ORDER_LIMITS.maxTimestampMs}, got ${createdAt}`);
  return problems;
}

/** A stock record names its SKU as an order does, or no order could ever reserve it. */
export function stockProblems(stock: StockAdjusted): FieldProblem[] {
  const reason = identifierProblem(stock.sku);
  return reason === null ? [] : [{ field: 'sku', reason }];
}
