import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { StoreOperationCounts } from '../../state-stores/state-store.ts';

/** One open store of a task, as the metrics see it. */
export interface ObservedStore {
  readonly taskId: string;
  readonly store: string;
  readonly counts: Readonly<StoreOperationCounts>;
}

/** The counted operations, as the `operation` label names them. */
const STORE_OPERATIONS: readonly [keyof StoreOperationCounts, string][] = [
  ['gets', 'get'],
  ['puts', 'put'],
  ['deletes', 'delete'],
  ['scans', 'scan'],
  ['commits', 'commit'],
  ['restoredRecords', 'restore'],
];

/**
 * The engine's Prometheus metrics, named after Kafka Streams' task metrics
 * (process-rate → `kafka_streams_task_process_total`, commit-latency → `..._commit_latency_seconds`,
 * record-e2e-latency → `..._record_e2e_latency_seconds`, ...). One registry per app so several
 * apps in one process (tests, benches) never clash.
 */
export class StreamsMetrics {
  readonly registry: Registry;
  readonly processed: Counter<'task_id'>;
  readonly processLatency: Histogram<'task_id'>;
  readonly commitLatency: Histogram;
  readonly commits: Counter<'outcome'>;
  readonly endToEndLatency: Histogram<'topic'>;
  readonly produced: Counter<'topic'>;
  readonly lag: Gauge<'topic' | 'partition'>;
  readonly restored: Counter<'store'>;
  readonly restoreRemaining: Gauge<'store' | 'task_id'>;
  readonly storeWipes: Counter<'store' | 'reason'>;
  readonly deadLettered: Counter<'stage'>;
  readonly punctuations: Counter<'type'>;
  readonly activeTasks: Gauge;
  readonly standbyTasks: Gauge;
  readonly standbyLag: Gauge<'task_id' | 'store'>;
  readonly rebalances: Counter;
  readonly taskStalled: Gauge<'task_id'>;
  readonly stallRecoveries: Counter<'task_id'>;
  readonly recoveries: Counter<'action'>;
  /** Kafka Streams' client-level `state` metric as a gauge: 1 on the current state's series, 0 on the others seen. */
  readonly clientState: Gauge<'state'>;
  private currentState: string | null = null;
  /** Kafka Streams' store-level metrics: operations per store and task, read at scrape time. */
  readonly storeOperations: Counter<'store' | 'task_id' | 'operation'>;
  /** Who can list the open stores (one per stream thread's task manager). */
  private readonly storeSources = new Set<() => readonly ObservedStore[]>();

  /**
   * @param options.labels more labels on every series (e.g. `service` when a process runs several
   *   apps and serves their metrics as one exposition, see combinedMetrics)
   */
  constructor(
    applicationId: string,
    options: {
      registry?: Registry;
      defaultMetrics?: boolean;
      labels?: Readonly<Record<string, string>>;
    } = {},
  ) {
    this.registry = options.registry ?? new Registry();
    this.registry.setDefaultLabels({ ...options.labels, application_id: applicationId });
    if (options.defaultMetrics) collectDefaultMetrics({ register: this.registry });
    const registers = [this.registry];
    // Buckets from 0.5 ms to 10 s: per-record work is sub-millisecond, an EOS commit a few ms,
    // and end-to-end latency must resolve the 200 ms target well.
    const latencyBuckets = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.2, 0.5, 1, 2.5, 5, 10];
    this.processed = new Counter({
      name: 'kafka_streams_task_process_total',
      help: 'Records processed by a task',
      labelNames: ['task_id'],
      registers,
    });
    this.processLatency = new Histogram({
      name: 'kafka_streams_task_process_latency_seconds',
      help: 'Time to process one record through its sub-topology',
      labelNames: ['task_id'],
      buckets: latencyBuckets,
      registers,
    });
    this.commitLatency = new Histogram({
      name: 'kafka_streams_commit_latency_seconds',
      help: 'Time of one commit (transaction or offset commit, then store checkpoints)',
      buckets: latencyBuckets,
      registers,
    });
    this.commits = new Counter({
      name: 'kafka_streams_commit_total',
      help: 'Commits by outcome',
      labelNames: ['outcome'],
      registers,
    });
    this.endToEndLatency = new Histogram({
      name: 'kafka_streams_record_e2e_latency_seconds',
      help: 'From the input record timestamp to the commit of the output it caused, per output topic',
      labelNames: ['topic'],
      buckets: latencyBuckets,
      registers,
    });
    this.produced = new Counter({
      name: 'kafka_streams_records_produced_total',
      help: 'Records committed to output, repartition and changelog topics',
      labelNames: ['topic'],
      registers,
    });
    this.lag = new Gauge({
      name: 'kafka_streams_records_lag',
      help: 'Last stable offset minus fetch position, per input partition (updated every few seconds)',
      labelNames: ['topic', 'partition'],
      registers,
    });
    this.restored = new Counter({
      name: 'kafka_streams_restore_total',
      help: 'Changelog records restored into stores',
      labelNames: ['store'],
      registers,
    });
    this.restoreRemaining = new Gauge({
      name: 'kafka_streams_restore_remaining_records',
      help: 'Changelog records left to restore',
      labelNames: ['store', 'task_id'],
      registers,
    });
    this.storeWipes = new Counter({
      name: 'kafka_streams_store_wipes_total',
      help: 'Local stores wiped and restored from the beginning because their checkpoint could not be trusted',
      labelNames: ['store', 'reason'],
      registers,
    });
    this.deadLettered = new Counter({
      name: 'kafka_streams_dead_letter_total',
      help: 'Records sent to the dead-letter topic, by stage',
      labelNames: ['stage'],
      registers,
    });
    this.punctuations = new Counter({
      name: 'kafka_streams_punctuate_total',
      help: 'Punctuator runs by type',
      labelNames: ['type'],
      registers,
    });
    this.activeTasks = new Gauge({ name: 'kafka_streams_active_tasks', help: 'Tasks owned', registers });
    this.standbyTasks = new Gauge({
      name: 'kafka_streams_standby_tasks',
      help: 'Standby tasks: warm copies of other instances task stores',
      registers,
    });
    this.standbyLag = new Gauge({
      name: 'kafka_streams_standby_lag_records',
      help: 'Changelog records a standby store has not applied yet',
      labelNames: ['task_id', 'store'],
      registers,
    });
    this.rebalances = new Counter({
      name: 'kafka_streams_rebalance_total',
      help: 'Assignments received',
      registers,
    });
    this.taskStalled = new Gauge({
      name: 'kafka_streams_task_stalled',
      help: '1 while a task has input waiting and made no progress for task_stall_timeout_ms, else 0',
      labelNames: ['task_id'],
      registers,
    });
    this.stallRecoveries = new Counter({
      name: 'kafka_streams_task_stall_recoveries_total',
      help: 'Stalled tasks rebuilt by the liveness check',
      labelNames: ['task_id'],
      registers,
    });
    this.recoveries = new Counter({
      name: 'kafka_streams_thread_recovery_total',
      help: 'Failed iterations by what the thread did: rebuild tasks, rebuild with a new producer, give up (ERROR)',
      labelNames: ['action'],
      registers,
    });
    // Known label values start at 0: rate() and increase() see only rises between scrapes, so a
    // series that first appears already at 3 would show no rate for its first events.
    for (const stage of ['deserialize', 'timestamp', 'validate', 'process', 'serialize'])
      this.deadLettered.inc({ stage }, 0);
    for (const outcome of ['committed', 'aborted', 'failed']) this.commits.inc({ outcome }, 0);
    for (const action of ['rebuild', 'new_producer', 'give_up']) this.recoveries.inc({ action }, 0);
    const sources = this.storeSources;
    this.storeOperations = new Counter({
      name: 'kafka_streams_store_operations_total',
      help: 'Operations on a state store since its task opened it (get, put, delete, scan, commit, restore = records restored)',
      labelNames: ['store', 'task_id', 'operation'],
      registers,
      // Read from the stores themselves when scraped: no bookkeeping on the hot path. A task that
      // closes takes its series with it; one that reopens starts again from 0 (a counter reset).
      collect() {
        this.reset();
        for (const source of sources)
          for (const { taskId, store, counts } of source())
            for (const [field, operation] of STORE_OPERATIONS)
              this.inc({ store, task_id: taskId, operation }, counts[field]);
      },
    });
    this.clientState = new Gauge({
      name: 'kafka_streams_client_state',
      help: 'The app state (CREATED, STARTING, RUNNING, PENDING_SHUTDOWN, NOT_RUNNING, ERROR): 1 on the current one',
      labelNames: ['state'],
      registers,
    });
  }

  /** Adds a source of open stores (a stream thread's task manager); returns its removal. */
  observeStores(source: () => readonly ObservedStore[]): () => void {
    this.storeSources.add(source);
    return () => this.storeSources.delete(source);
  }

  /** Moves the state gauge: the previous state's series drops to 0, so "not RUNNING" is one query. */
  recordState(state: string): void {
    if (this.currentState !== null) this.clientState.set({ state: this.currentState }, 0);
    this.clientState.set({ state }, 1);
    this.currentState = state;
  }
}
