import { Counter, Histogram, type Registry } from 'prom-client';
import type { SagaMetricsPort } from '../processors/ports.ts';

/** The domain's Prometheus metrics, registered beside the engine's. */
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
  const payments = new Counter({
    name: 'saga_payment_attempts_total',
    help: 'Payment gateway attempts by outcome',
    labelNames: ['outcome'],
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
    help: 'From order creation to its terminal status',
    buckets: [0.01, 0.025, 0.05, 0.1, 0.2, 0.5, 1, 2.5, 5, 10, 30],
    registers,
  });
  return {
    duplicateOrder: () => duplicates.inc(),
    transition: (status, endToEndMs) => {
      orders.inc({ status });
      if (endToEndMs !== null) latency.observe(endToEndMs / 1000);
    },
    paymentAttempt: (outcome) => payments.inc({ outcome }),
    notification: (channel, outcome) => notifications.inc({ channel, outcome }),
  };
}
