/**
 * The saga at a glance: how many orders end how, how fast against the 200 ms SLO, why stock was
 * refused, what the payment gateway answers, what was compensated, what reached customers, and
 * what the pipeline could not process (dead letters).
 */
import type { Dashboard } from '@grafana/grafana-foundation-sdk/dashboard';
import { datasourceVariable, labelVariable, newDashboard, row, singleStat, timeSeries } from './panels.ts';

const APP = 'application_id=~"$application_id"';
/** The engine's app ids are the saga's, plus `-<service>` for every service but the core. */
const APP_AND_SERVICES = 'application_id=~"($application_id)(-.+)?"';
const RATE = '[$__rate_interval]';
/** Terminal statuses the saga decides by itself: the SLO's population (see alerts.yml). */
const SLO_STATUSES = 'status=~"SHIPPED|REJECTED"';
const latency = (quantile: number, by: string, filter: string) =>
  `histogram_quantile(${quantile}, sum by (${by}) (rate(saga_order_e2e_latency_seconds_bucket{${APP},${filter}}${RATE})))`;

export function sagaOverview(): Dashboard {
  return newDashboard(
    'kep-saga-overview',
    'E-commerce saga: overview',
    'Orders by status, order to terminal latency against the 200 ms SLO, stock, payments, compensations, notifications, dead letters (app/saga-metrics.ts, deploy/grafana/saga-overview.ts).',
  )
    .withVariable(datasourceVariable())
    .withVariable(labelVariable('application_id', 'Application', 'saga_orders_total'))
    .withRow(row('Orders'))
    .withPanel(
      timeSeries({
        title: 'Orders/s by status',
        description:
          'Status transitions per second (CREATED is the intake; SHIPPED, REJECTED, CANCELLED, EXPIRED are terminal).',
        unit: 'ops',
        queries: [{ expr: `sum by (status) (rate(saga_orders_total{${APP}}${RATE}))`, legend: '{{status}}' }],
      }),
    )
    .withPanel(
      timeSeries({
        title: 'Order → terminal latency (SHIPPED, REJECTED) vs 200 ms SLO',
        description:
          'From order creation to its terminal status, for the orders the saga decides by itself. The dashed line is the SLO; the OrderLatencySLOBreached alert fires when p99 stays above it for 5 minutes.',
        unit: 's',
        redFrom: 0.2,
        queries: [
          { expr: latency(0.5, 'le', SLO_STATUSES), legend: 'p50' },
          { expr: latency(0.99, 'le', SLO_STATUSES), legend: 'p99' },
        ],
      }),
    )
    .withPanel(
      timeSeries({
        title: 'Order → terminal latency p99 by status',
        description:
          'CANCELLED includes the payment retries (backoff up to seconds) and EXPIRED the reservation timeout: slow by design.',
        unit: 's',
        width: 12,
        queries: [{ expr: latency(0.99, 'status, le', 'status!=""'), legend: '{{status}}' }],
      }),
    )
    .withPanel(
      singleStat({
        title: 'Within the SLO (SHIPPED, REJECTED)',
        description: 'Share of decided orders that reached their terminal status within 200 ms.',
        unit: 'percentunit',
        queries: [
          {
            expr: `sum(rate(saga_order_e2e_latency_seconds_bucket{${APP},${SLO_STATUSES},le="0.2"}${RATE})) / sum(rate(saga_order_e2e_latency_seconds_count{${APP},${SLO_STATUSES}}${RATE}))`,
            legend: 'within 200 ms',
          },
        ],
      }),
    )
    .withPanel(
      singleStat({
        title: 'Duplicate orders/s',
        description: 'OrderCreated for an orderId already known, ignored (client retries are safe).',
        unit: 'ops',
        queries: [{ expr: `sum(rate(saga_duplicate_orders_total{${APP}}${RATE}))`, legend: 'duplicates' }],
      }),
    )
    .withRow(row('Stock'))
    .withPanel(
      timeSeries({
        title: 'Reservation rejects/s by reason',
        description:
          'Reservations the inventory refused: insufficient_stock, unknown_sku (no stock ever loaded), already_released (the release overtook the reservation).',
        unit: 'ops',
        width: 16,
        queries: [
          {
            expr: `sum by (reason) (rate(saga_reservation_rejects_total{${APP}}${RATE}))`,
            legend: '{{reason}}',
          },
        ],
      }),
    )
    .withPanel(
      singleStat({
        title: 'Oversold decisions (must be 0)',
        description:
          'Inventory decisions that would have taken stock below zero (refused and counted). Anything but 0 is a bug; the Oversell alert pages.',
        unit: 'short',
        width: 8,
        redFrom: 1,
        queries: [{ expr: `sum(saga_oversell_total{${APP}})`, legend: 'oversold' }],
      }),
    )
    .withRow(row('Payments and compensations'))
    .withPanel(
      timeSeries({
        title: 'Payment gateway attempts/s by outcome',
        description:
          'Every charge call: SUCCEEDED, DECLINED, RETRYABLE (5xx or timeout, retried with backoff).',
        unit: 'ops',
        width: 8,
        queries: [
          {
            expr: `sum by (outcome) (rate(saga_payment_attempts_total{${APP}}${RATE}))`,
            legend: '{{outcome}}',
          },
        ],
      }),
    )
    .withPanel(
      timeSeries({
        title: 'Payment results/s and retries/s',
        description:
          'Final results as the saga sees them (FAILED = retries exhausted) and the retries scheduled on the way.',
        unit: 'ops',
        width: 8,
        queries: [
          {
            expr: `sum by (outcome) (rate(saga_payment_results_total{${APP}}${RATE}))`,
            legend: '{{outcome}}',
          },
          { expr: `sum(rate(saga_payment_retries_total{${APP}}${RATE}))`, legend: 'retries' },
        ],
      }),
    )
    .withPanel(
      timeSeries({
        title: 'Compensations/s',
        description:
          'Stock released (order rejected, payment failed, reservation expired) and late charges refunded.',
        unit: 'ops',
        width: 8,
        queries: [
          {
            expr: `sum by (action, cause) (rate(saga_compensations_total{${APP}}${RATE}))`,
            legend: '{{action}} ({{cause}})',
          },
        ],
      }),
    )
    .withRow(row('Notifications and dead letters'))
    .withPanel(
      timeSeries({
        title: 'Notifications/s by channel and outcome',
        description: 'E-mail, SMS and webhook deliveries: sent, retry (retryable failure), failed (gave up).',
        unit: 'ops',
        queries: [
          {
            expr: `sum by (channel, outcome) (rate(saga_notifications_total{${APP}}${RATE}))`,
            legend: '{{channel}} {{outcome}}',
          },
        ],
      }),
    )
    .withPanel(
      timeSeries({
        title: 'Dead-lettered records/s by app and stage',
        description:
          'Records the pipeline could not process (malformed input, invalid orders), sent to the dead-letter topic. The DeadLetterRecords alert fires on any.',
        unit: 'ops',
        queries: [
          {
            expr: `sum by (application_id, stage) (rate(kafka_streams_dead_letter_total{${APP_AND_SERVICES}}${RATE}))`,
            legend: '{{application_id}} {{stage}}',
          },
        ],
      }),
    )
    .build();
}
