/**
 * The stream processing engine, per saga service, in Kafka Streams' terms: process rate and
 * latency, commits, end-to-end latency, lag per partition, restores, tasks and their state,
 * rebalances (runtime/metrics/streams-metrics.ts).
 *
 * Commit latency is read from the commit's own histogram (kafka_streams_commit_latency_seconds).
 * The Confluent jmx-monitoring-stacks Kafka Streams dashboard titles panels "commit latency" but
 * queries poll latency; not repeated here.
 */
import type { Dashboard } from '@grafana/grafana-foundation-sdk/dashboard';
import { datasourceVariable, labelVariable, newDashboard, row, singleStat, timeSeries } from './panels.ts';

const SVC = 'service=~"$service"';
const RATE = '[$__rate_interval]';
const quantile = (q: number, metric: string, by: string) =>
  `histogram_quantile(${q}, sum by (${by}, le) (rate(${metric}_bucket{${SVC}}${RATE})))`;
/**
 * For a counter whose label values are not known before the first event (which store, why): 0 per
 * service instead of "no data", so an empty panel means no scrape rather than no event.
 */
const orZeroPerService = (expr: string) =>
  `${expr} or (sum by (service) (kafka_streams_active_tasks{${SVC}}) * 0)`;

export function engineDashboard(): Dashboard {
  return newDashboard(
    'kep-streams-engine',
    'E-commerce saga: stream engine',
    'Kafka Streams-style engine metrics of every saga service (core, payment, notification, read-model): processing, commits, lag, restores, tasks, rebalances (runtime/metrics/streams-metrics.ts, deploy/grafana/engine.ts).',
  )
    .withVariable(datasourceVariable())
    .withVariable(labelVariable('service', 'Service', 'kafka_streams_client_state'))
    .withRow(row('Processing'))
    .withPanel(
      timeSeries({
        title: 'Process rate (records/s) by service',
        description: 'Kafka Streams process-rate: records processed through their sub-topology per second.',
        unit: 'ops',
        width: 8,
        queries: [
          {
            expr: `sum by (service) (rate(kafka_streams_task_process_total{${SVC}}${RATE}))`,
            legend: '{{service}}',
          },
        ],
      }),
    )
    .withPanel(
      timeSeries({
        title: 'Process latency p99 by service',
        description:
          'Kafka Streams process-latency: one record through its sub-topology (payment and notification include the gateway or provider call).',
        unit: 's',
        width: 8,
        queries: [
          {
            expr: quantile(0.99, 'kafka_streams_task_process_latency_seconds', 'service'),
            legend: '{{service}}',
          },
        ],
      }),
    )
    .withPanel(
      timeSeries({
        title: 'Records produced/s by topic',
        description: 'Records committed to output, repartition and changelog topics.',
        unit: 'ops',
        width: 8,
        queries: [
          {
            expr: `sum by (topic) (rate(kafka_streams_records_produced_total{${SVC}}${RATE}))`,
            legend: '{{topic}}',
          },
        ],
      }),
    )
    .withPanel(
      timeSeries({
        title: 'End-to-end latency p99 by output topic',
        description:
          'Kafka Streams record-e2e-latency: from the input record timestamp to the commit of the output it caused.',
        unit: 's',
        width: 24,
        redFrom: 0.2,
        queries: [
          { expr: quantile(0.99, 'kafka_streams_record_e2e_latency_seconds', 'topic'), legend: '{{topic}}' },
        ],
      }),
    )
    .withRow(row('Commits'))
    .withPanel(
      timeSeries({
        title: 'Commit rate by service and outcome',
        description:
          'Kafka Streams commit-rate, by outcome: committed, aborted (a transaction undone), failed (an iteration rebuilt). The CommitFailures alert fires on the last two.',
        unit: 'ops',
        queries: [
          {
            expr: `sum by (service, outcome) (rate(kafka_streams_commit_total{${SVC}}${RATE}))`,
            legend: '{{service}} {{outcome}}',
          },
        ],
      }),
    )
    .withPanel(
      timeSeries({
        title: 'Commit latency p50 / p99 by service',
        description:
          'Kafka Streams commit-latency from the commit histogram itself (transaction or offset commit, then store checkpoints) — not poll latency.',
        unit: 's',
        queries: [
          {
            expr: quantile(0.5, 'kafka_streams_commit_latency_seconds', 'service'),
            legend: '{{service}} p50',
          },
          {
            expr: quantile(0.99, 'kafka_streams_commit_latency_seconds', 'service'),
            legend: '{{service}} p99',
          },
        ],
      }),
    )
    .withRow(row('Lag'))
    .withPanel(
      timeSeries({
        title: 'Consumer lag per input partition',
        description:
          'Last stable offset minus fetch position of every input partition (records-lag), updated every few seconds. The ConsumerLagGrowing alert fires when it keeps rising.',
        unit: 'short',
        width: 24,
        queries: [
          {
            expr: `sum by (service, topic, partition) (kafka_streams_records_lag{${SVC}})`,
            legend: '{{service}} {{topic}}[{{partition}}]',
          },
        ],
      }),
    )
    .withRow(row('State stores'))
    .withPanel(
      timeSeries({
        title: 'Restore rate (records/s) by store',
        description:
          'Changelog records restored into local stores (after a new assignment or a wiped store).',
        unit: 'ops',
        width: 8,
        queries: [
          {
            expr: `sum by (service, store) (rate(kafka_streams_restore_total{${SVC}}${RATE}))`,
            legend: '{{service}} {{store}}',
          },
        ],
      }),
    )
    .withPanel(
      timeSeries({
        title: 'Restore remaining records by store',
        description: 'Changelog records still to restore; a task serves queries only once 0.',
        unit: 'short',
        width: 8,
        queries: [
          {
            expr: `sum by (service, store) (kafka_streams_restore_remaining_records{${SVC}})`,
            legend: '{{service}} {{store}}',
          },
        ],
      }),
    )
    .withPanel(
      timeSeries({
        title: 'Store wipes (in the range)',
        description:
          'Local stores wiped and restored from the beginning because their checkpoint could not be trusted (0 per service when none).',
        unit: 'short',
        width: 8,
        queries: [
          {
            expr: orZeroPerService(
              `sum by (service) (increase(kafka_streams_store_wipes_total{${SVC}}[$__range]))`,
            ),
            legend: '{{service}}',
          },
        ],
      }),
    )
    .withRow(row('Tasks and rebalances'))
    .withPanel(
      timeSeries({
        title: 'App state by service',
        description:
          'The app state gauge: 1 on the current state. Anything but RUNNING for 2 minutes alerts.',
        unit: 'short',
        width: 8,
        queries: [
          {
            expr: `max by (service, state) (kafka_streams_client_state{${SVC}}) == 1`,
            legend: '{{service}} {{state}}',
          },
        ],
      }),
    )
    .withPanel(
      timeSeries({
        title: 'Active tasks and stalled tasks by service',
        description:
          'Tasks owned; stalled = input waiting and no progress for task_stall_timeout_ms (rebuilt by the liveness check).',
        unit: 'short',
        width: 8,
        queries: [
          { expr: `sum by (service) (kafka_streams_active_tasks{${SVC}})`, legend: '{{service}} active' },
          { expr: `sum by (service) (kafka_streams_task_stalled{${SVC}})`, legend: '{{service}} stalled' },
        ],
      }),
    )
    .withPanel(
      singleStat({
        title: 'Rebalances (in the range)',
        description: 'Assignments received by all services over the dashboard range.',
        unit: 'short',
        width: 8,
        queries: [
          {
            expr: `sum(increase(kafka_streams_rebalance_total{${SVC}}[$__range]))`,
            legend: 'rebalances',
          },
        ],
      }),
    )
    .withPanel(
      timeSeries({
        title: 'Punctuations/s by service',
        description:
          'Wall-clock punctuator runs (payment retries, notification retries, reservation expiry).',
        unit: 'ops',
        queries: [
          {
            expr: `sum by (service, type) (rate(kafka_streams_punctuate_total{${SVC}}${RATE}))`,
            legend: '{{service}} {{type}}',
          },
        ],
      }),
    )
    .withPanel(
      timeSeries({
        title: 'Thread recoveries (in the range)',
        description: 'Failed iterations by what the thread did: rebuild, new_producer, give_up (ERROR).',
        unit: 'short',
        queries: [
          {
            expr: `sum by (service, action) (increase(kafka_streams_thread_recovery_total{${SVC}}[$__range]))`,
            legend: '{{service}} {{action}}',
          },
        ],
      }),
    )
    .build();
}
