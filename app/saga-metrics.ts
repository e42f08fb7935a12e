import { Counter, Histogram, type Registry } from 'prom-client';
import type {
  CompensationAction,
  CompensationCause,
  ReservationRejectReason,
  SagaMetricsPort,
} from '../processors/ports.ts';
import { ORDER_STATUSES, TERMINAL_STATUSES } from '../schemas/index.ts';

const REJECT_REASONS: readonly ReservationRejectReason[] = [
  'insufficient_stock',
  'unknown_sku',
  'already_released',
];
const COMPENSATIONS: readonly [CompensationAction, CompensationCause][] = [
  ['release_stock', 'rejected'],
  ['release_stock', 'payment_failed'],
  ['release_stock', 'expired'],
  ['refund', 'late_payment'],
];

/**
 * Buckets of order → terminal latency. Dense around the 200 ms SLO (0.15, 0.2, 0.25, 0.3) so the
 * p99 alert and the dashboard resolve it; up to 60 s because a CANCELLED order waits out the
 * payment retries and an EXPIRED one the reservation timeout (30 s by default).
 */
export const ORDER_LATENCY_BUCKETS = [
  0.01, 0.025, 0.05, 0.075, 0.1, 0.15, 0.2, 0.25, 0.3, 0.5, 1, 2.5, 5, 10, 30, 60,
];

/** The domain's Prometheus metrics, in a registry of their own (the process's, not one service's). */
export function sagaMetrics(registry: Registry): SagaMetricsPort {
  const registers = [registry];
  const orders = new Counter({
    name: 'saga_orders_total',
    help: 'Order status transitions',
    labelNames: ['status'],
    registers,
  });
  const duplicates = new Counter({
    name: 'saga_duplicate_orders_total',
    help: 'OrderCreated for an orderId already known (ignored)',
    registers,
  });
  const rejects = new Counter({
    name: 'saga_reservation_rejects_total',
    help: 'Reservations the inventory refused, by reason',
    labelNames: ['reason'],
    registers,
  });
  // No labels: a SKU label would be unbounded, and the log names the SKU.
  const oversell = new Counter({
    name: 'saga_oversell_total',
    help: 'Inventory decisions that would have taken stock below zero (refused); must stay 0',
    registers,
  });
  const payments = new Counter({
    name: 'saga_payment_attempts_total',
    help: 'Payment gateway attempts by outcome',
    labelNames: ['outcome'],
    registers,
  });
  const retries = new Counter({
    name: 'saga_payment_retries_total',
    help: 'Retryable gateway failures scheduled for another attempt',
    registers,
  });
  const results = new Counter({
    name: 'saga_payment_results_total',
    help: 'Final payment results (SUCCEEDED, DECLINED, FAILED after the retries)',
    labelNames: ['outcome'],
    registers,
  });
  const compensations = new Counter({
    name: 'saga_compensations_total',
    help: 'Compensations: stock released or charges refunded, by the outcome that called for them',
    labelNames: ['action', 'cause'],
    registers,
  });
  const notifications = new Counter({
    name: 'saga_notifications_total',
    help: 'Notification deliveries',
    labelNames: ['channel', 'outcome'],
    registers,
  });
  const latency = new Histogram({
    name: 'saga_order_e2e_latency_seconds',
    help: 'From order creation to its terminal status, by that status',
    labelNames: ['status'],
    buckets: ORDER_LATENCY_BUCKETS,
    registers,
  });
  // Every known label value starts at 0 (see zeroKnownSeries).
  zeroKnownSeries({ orders, rejects, payments, results, compensations, notifications, latency });
  return {
    duplicateOrder: () => duplicates.inc(),
    transition: (status, endToEndMs) => {
      orders.inc({ status });
      if (endToEndMs !== null) latency.observe({ status }, endToEndMs / 1000);
    },
    reservationRejected: (reason) => rejects.inc({ reason }),
    oversell: () => oversell.inc(),
    paymentAttempt: (outcome) => payments.inc({ outcome }),
    paymentRetry: () => retries.inc(),
    paymentResult: (outcome) => results.inc({ outcome }),
    compensation: (action, cause) => compensations.inc({ action, cause }),
    notification: (channel, outcome) => notifications.inc({ channel, outcome }),
  };
}

/**
 * Starts every known label value at 0. rate() and increase() see only rises between scrapes: a
 * series that first appears already at 3 (three rejects within one scrape interval) would show
 * no rate for them, and the dashboards would say "no data" where the answer is 0.
 */
function zeroKnownSeries(m: {
  orders: Counter<'status'>;
  rejects: Counter<'reason'>;
  payments: Counter<'outcome'>;
  results: Counter<'outcome'>;
  compensations: Counter<'action' | 'cause'>;
  notifications: Counter<'channel' | 'outcome'>;
  latency: Histogram<'status'>;
}): void {
  for (const status of ORDER_STATUSES) m.orders.inc({ status }, 0);
  for (const status of TERMINAL_STATUSES) m.latency.zero({ status });
  for (const reason of REJECT_REASONS) m.rejects.inc({ reason }, 0);
  for (const outcome of ['SUCCEEDED', 'DECLINED', 'RETRYABLE']) m.payments.inc({ outcome }, 0);
  for (const outcome of ['SUCCEEDED', 'DECLINED', 'FAILED']) m.results.inc({ outcome }, 0);
  for (const [action, cause] of COMPENSATIONS) m.compensations.inc({ action, cause }, 0);
  for (const channel of ['EMAIL', 'SMS', 'WEBHOOK'])
    for (const outcome of ['sent', 'retry', 'failed']) m.notifications.inc({ channel, outcome }, 0);
}
