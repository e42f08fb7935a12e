import type { OrderCreated, OrderStatus, OrderStatusChanged } from '../schemas/index.ts';
import type { StatusTally } from './demo-progress.ts';
import { TERMINAL_STATUSES } from '../schemas/index.ts';
import type { SkuStock } from '../processors/inventory.ts';
import { INVENTORY_STORE } from '../processors/inventory.ts';
import type { RunningPipeline } from './pipeline.ts';
import type { SagaTopics } from './saga-topics.ts';

export type DemoOrder = Omit<OrderCreated, 'createdAt' | 'contact'> & { contact: Record<string, string> };

export interface Books {
  terminal: Record<string, number>;
  latenciesMs: number[];
  deadLetters: number;
  stock: Record<string, SkuStock & { initial: number; shipped: number }>;
  charges: number;
  violations: string[];
  elapsedMs: number;
}

/** The transitions CONTRACT.md allows; anything else is a violation. */
export const LEGAL_NEXT: Record<string, readonly OrderStatus[]> = {
  START: ['CREATED'],
  CREATED: ['RESERVED', 'REJECTED'],
  RESERVED: ['PAID', 'PAYMENT_FAILED', 'EXPIRED'],
  PAID: ['SHIPPED'],
  PAYMENT_FAILED: ['CANCELLED'],
};

/**
 * Waits until every order is terminal in `tally` (which reads order-status while the demo runs),
 * then checks the invariants of CONTRACT.md against what Kafka and the stores say.
 */
export async function checkBooks(options: {
  pipeline: RunningPipeline;
  topics: SagaTopics;
  orders: readonly DemoOrder[];
  initialStock: Record<string, number>;
  gatewayCharges: () => Map<string, { status: string }[]>;
  timeoutMs: number;
  tally: StatusTally;
}): Promise<Books> {
  const { pipeline, topics, orders, tally } = options;
  const started = Date.now();
  const history = tally.history;
  const terminalCount = () =>
    orders.filter((o) => history.get(o.orderId)?.some((s) => TERMINAL_STATUSES.includes(s.status))).length;
  while (terminalCount() < orders.length && Date.now() - started < options.timeoutMs)
    await new Promise((r) => setTimeout(r, 100));
  await tally.stop();
  const violations: string[] = [];
  if (terminalCount() < orders.length)
    violations.push(`only ${terminalCount()}/${orders.length} orders reached a terminal state in time`);

  const terminal: Record<string, number> = {};
  const latenciesMs: number[] = [];
  const shipped = new Map<string, number>();
  for (const order of orders) {
    const events = history.get(order.orderId) ?? [];
    let previous = 'START';
    for (const event of events) {
      if (!(LEGAL_NEXT[previous] ?? []).includes(event.status))
        violations.push(`${order.orderId}: ${previous} → ${event.status} is not a lifecycle transition`);
      previous = event.status;
    }
    const ends = events.filter((e) => TERMINAL_STATUSES.includes(e.status));
    if (ends.length !== 1) {
      if (events.length > 0) violations.push(`${order.orderId}: ${ends.length} terminal states`);
      continue;
    }
    const end = ends[0] as OrderStatusChanged;
    terminal[end.status] = (terminal[end.status] ?? 0) + 1;
    latenciesMs.push(end.at - end.createdAt);
    if (end.status === 'SHIPPED')
      for (const item of order.items) shipped.set(item.sku, (shipped.get(item.sku) ?? 0) + item.quantity);
  }

  // One successful charge per order, and one for every shipped order.
  const charges = options.gatewayCharges();
  let succeeded = 0;
  for (const [key, list] of charges) {
    const ok = list.filter((c) => c.status === 'succeeded').length;
    succeeded += ok;
    if (ok > 1) violations.push(`order ${key} charged ${ok} times`);
  }
  if ((terminal.SHIPPED ?? 0) > succeeded)
    violations.push(`${terminal.SHIPPED} orders shipped but only ${succeeded} charges succeeded`);

  // Stock: the COMMIT/RELEASE of the last orders may still be in flight: wait until nothing is reserved.
  const stock: Books['stock'] = {};
  const deadline = Date.now() + 30_000;
  let entries: { key: string; value: SkuStock }[];
  const core = pipeline.app;
  if (!core) throw new Error('The books need the saga core in this process (SERVICES includes core)');
  do {
    entries = await core.queryAll<string, SkuStock>(INVENTORY_STORE);
    if (entries.every((e) => e.value.reserved === 0)) break;
    await new Promise((r) => setTimeout(r, 250));
  } while (Date.now() < deadline);
  for (const { key: sku, value } of entries) {
    const initial = options.initialStock[sku] ?? 0;
    const shippedQty = shipped.get(sku) ?? 0;
    stock[sku] = { ...value, initial, shipped: shippedQty };
    if (shippedQty > initial) violations.push(`OVERSELL ${sku}: shipped ${shippedQty} of ${initial}`);
    if (value.onHand !== value.available + value.reserved)
      violations.push(
        `${sku}: onHand ${value.onHand} ≠ available ${value.available} + reserved ${value.reserved}`,
      );
    if (value.reserved !== 0)
      violations.push(`${sku}: ${value.reserved} still reserved after every order ended`);
    if (value.onHand !== initial - shippedQty)
      violations.push(`${sku}: onHand ${value.onHand} ≠ initial ${initial} − shipped ${shippedQty}`);
  }
  const deadLetters = (await pipeline.kafka.readNew(topics.deadLetter)).length;
  return {
    terminal,
    latenciesMs,
    deadLetters,
    stock,
    charges: succeeded,
    violations,
    elapsedMs: Date.now() - started,
  };
}

function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] as number;
}

/** The report of `npm run demo -- --json`: what printSummary shows, for machines. */
export function jsonReport(
  books: Books,
  run: { orders: number; rate: number; seed: number; emails: number; sms: number; webhooks: number },
  next: { logFile: string; metricsUrl: string; jaegerUrl: string | null },
): Record<string, unknown> {
  const sorted = [...books.latenciesMs].sort((a, b) => a - b);
  return {
    run,
    invariantsHold: books.violations.length === 0,
    terminal: Object.fromEntries(TERMINAL_STATUSES.map((s) => [s, books.terminal[s] ?? 0])),
    oversells: books.violations.filter((v) => v.startsWith('OVERSELL')).length,
    successfulCharges: books.charges,
    deadLetteredRecords: books.deadLetters,
    latencyMs: { p50: percentile(sorted, 50), p99: percentile(sorted, 99), max: sorted.at(-1) ?? null },
    stock: books.stock,
    violations: books.violations,
    elapsedMs: books.elapsedMs,
    next,
  };
}

export function printSummary(
  books: Books,
  run: { orders: number; rate: number; emails: number; sms: number; webhooks: number },
): void {
  const out = (line = '') => process.stdout.write(`${line}\n`);
  const sorted = [...books.latenciesMs].sort((a, b) => a - b);
  out();
  out(`Orders: ${run.orders} at ${run.rate}/s`);
  out('| terminal status | orders |');
  out('|---|---|');
  for (const status of TERMINAL_STATUSES) out(`| ${status} | ${books.terminal[status] ?? 0} |`);
  out();
  out('| sku | initial | shipped | on hand | available | reserved | shortfall | conserved |');
  out('|---|---|---|---|---|---|---|---|');
  for (const [sku, s] of Object.entries(books.stock).sort()) {
    const conserved = s.onHand === s.available + s.reserved && s.onHand === s.initial - s.shipped;
    out(
      `| ${sku} | ${s.initial} | ${s.shipped} | ${s.onHand} | ${s.available} | ${s.reserved} | ${s.shortfall} | ${conserved ? 'yes' : 'NO'} |`,
    );
  }
  out();
  const oversells = books.violations.filter((v) => v.startsWith('OVERSELL')).length;
  out(
    `oversells: ${oversells}    successful charges: ${books.charges}    dead-lettered records: ${books.deadLetters}`,
  );
  out(`notifications delivered: ${run.emails} e-mails, ${run.sms} SMS, ${run.webhooks} webhooks`);
  out(
    `end-to-end latency (createdAt → terminal status): p50 ${percentile(sorted, 50)} ms, p99 ${percentile(sorted, 99)} ms, max ${sorted.at(-1) ?? Number.NaN} ms`,
  );
  out(
    books.violations.length === 0
      ? 'INVARIANTS HOLD'
      : `INVARIANT VIOLATIONS (${books.violations.length}):\n  ${books.violations.slice(0, 20).join('\n  ')}`,
  );
}
