import { KafkaClientError, ProducerFencedError, ProcessingError } from '../../engine-common/errors.ts';
import type { StreamsConfig } from '../config.ts';
import type { Logger } from '../logger.ts';
import type { StreamsMetrics } from '../metrics/streams-metrics.ts';
import { headersFor, runInSpan, startProcessSpan } from '../tracing/trace-context.ts';
import type { CommitBuffer } from './commit-buffer.ts';
import type { Committer } from './committer.ts';
import { RECOVERY_BACKOFF_MS, STREAK_RESET_MS } from './backoff.ts';
import { Mutex } from './mutex.ts';
import { inTimestampOrder } from './timestamp-order.ts';
import { ProgressWatchdog } from './progress-watchdog.ts';
import type { ConsumedRecord, KafkaPorts, TopicPartition } from '../ports/ports.ts';
import { tpKey } from '../ports/ports.ts';
import type { StandbyTasks } from './standby-tasks.ts';
import type { ManagedTask, TaskManager } from './task-manager.ts';

/**
 * Fenced this many times within FENCING_WINDOW_MS: another live instance shares our transactional
 * id (the same INSTANCE_ID), and re-initialising would only fence it back. Once or twice is our own
 * coordinator timing out a transaction held open across a broker restart (Kafka Streams treats it
 * as TaskMigrated: close the tasks dirty, re-initialise, rebuild).
 */
const FENCINGS_TOLERATED = 3;
const FENCING_WINDOW_MS = 5 * 60_000;

/**
 * The poll → process → commit loop (Kafka Streams' `StreamThread`). Adaptive commit: every polled
 * batch is committed as soon as it is processed (principle 3), so an idle pipeline commits within
 * milliseconds and a busy one amortises a commit over a large batch (`maxRecordsPerCommit` caps it).
 */
export class StreamThread {
  private readonly lock = new Mutex();
  private readonly tasks: TaskManager;
  private readonly standbys: StandbyTasks | null;
  private readonly committer: Committer;
  private readonly buffer: CommitBuffer;
  private readonly ports: KafkaPorts;
  private readonly config: StreamsConfig;
  private readonly metrics: StreamsMetrics;
  private readonly log: Logger;
  private running = false;
  /** The current streak of failed iterations: how many, since when, and the last one's time. */
  private failures = 0;
  private streakStartedAt = 0;
  private lastFailureAt = 0;
  /** When the producer was last fenced (FENCINGS_TOLERATED). */
  private fencings: number[] = [];
  private readonly watchdog: ProgressWatchdog;
  private lastWatchdogCheck = Date.now();
  /** What the loop is doing and since when: a timer reports a loop that stopped moving. */
  private phase = { name: 'starting', since: Date.now() };
  private heartbeat: NodeJS.Timeout | null = null;
  private loopDone: Promise<void> = Promise.resolve();
  /** Set when the thread stops because of an error that retrying cannot fix. */
  fatalError: Error | null = null;
  onFatal: (error: Error) => void = () => undefined;

  constructor(options: {
    tasks: TaskManager;
    standbys?: StandbyTasks;
    committer: Committer;
    buffer: CommitBuffer;
    ports: KafkaPorts;
    config: StreamsConfig;
    metrics: StreamsMetrics;
    log: Logger;
  }) {
    this.tasks = options.tasks;
    this.standbys = options.standbys ?? null;
    this.committer = options.committer;
    this.buffer = options.buffer;
    this.ports = options.ports;
    this.config = options.config;
    this.metrics = options.metrics;
    this.log = options.log;
    this.watchdog = new ProgressWatchdog(this.config.taskStallTimeoutMs);
  }

  async start(topics: readonly string[]): Promise<void> {
    this.running = true;
    await this.ports.producer.init();
    await this.ports.consumer.subscribe(topics, {
      onAssigned: (partitions) => this.lock.run(() => this.onAssigned(partitions)),
      onRevoked: (partitions) => this.lock.run(() => this.onRevoked(partitions)),
    });
    this.loopDone = this.loop();
    // The liveness check inside the loop cannot see the loop itself stop: a timer does.
    this.heartbeat = setInterval(() => {
      const stuckMs = Date.now() - this.phase.since;
      if (stuckMs > this.config.taskStallTimeoutMs)
        this.log.warn({ phase: this.phase.name, stuckMs }, 'stream thread has not moved on; still waiting');
    }, 5000);
    this.heartbeat.unref();
  }

  private enter(name: string): void {
    this.phase = { name, since: Date.now() };
  }

  /** Finishes the batch in flight, commits it, closes the tasks cleanly. */
  async stop(): Promise<void> {
    this.running = false;
    if (this.heartbeat) clearInterval(this.heartbeat);
    await this.loopDone;
    await this.lock.run(async () => {
      if (this.fatalError === null) {
        await this.standbys?.closeAll();
        try {
          await this.committer.commit();
          await this.tasks.closeAll(true);
          return;
        } catch (error) {
          this.log.warn({ err: error }, 'final commit failed; closing tasks without it');
        }
      }
      await this.tasks.closeAll(false);
    });
  }

  isRestoring(): boolean {
    return this.tasks.restoring().length > 0;
  }

  private async loop(): Promise<void> {
    while (this.running) {
      try {
        this.enter('reconcile and restore');
        await this.lock.run(async () => {
          // Nothing restores before the producer's repairs of our own leftovers are done: a
          // transaction of ours a changelog still holds open moves its stable end once ended.
          await this.ports.producer.ready();
          await this.reconcile();
          await this.restorePending();
          await this.standbys?.maintain(Date.now());
        });
        this.enter('poll');
        // Not past the next punctuation: a punctuator that completes asynchronous work (a charge
        // answered by a gateway) must not wait out an idle long poll.
        const untilPunctuation = this.nextWallClockPunctuationMs() - Date.now();
        const records = await this.ports.consumer.poll(
          Math.max(0, Math.min(this.config.pollMaxWaitMs, Math.ceil(untilPunctuation))),
        );
        this.enter('process and commit');
        await this.lock.run(async () => {
          await this.processBatch(records);
          await this.punctuateIfDue();
          if (await this.committer.commit()) this.failures = 0;
          await this.checkLiveness();
        });
      } catch (error) {
        this.enter('recover');
        if (!(await this.recover(error))) return;
      }
    }
  }

  /**
   * Brings the tasks in line with the group's assignment, which is the truth: a task for every
   * assigned partition (a rebalance listener that failed, or a rebuild after a failure, left some
   * out), no task for a partition no longer assigned, and a fetch position for every input of a
   * running task (a position is dropped when the broker answers out of range). Without this, a
   * partition the listener could not set up is never fetched again, and its punctuators never fire.
   */
  private async reconcile(): Promise<void> {
    const assigned = this.ports.consumer.assignment();
    const assignedKeys = new Set(assigned.map(tpKey));
    const orphans = this.tasks.all().filter((t) => !t.inputs.some((tp) => assignedKeys.has(tpKey(tp))));
    if (orphans.length > 0) {
      await this.committer.commit();
      await this.tasks.close(
        orphans.map((t) => t.name),
        true,
      );
      this.log.warn(
        { tasks: orphans.map((t) => t.name) },
        'closed tasks whose partitions are no longer assigned',
      );
    }
    const missing = assigned.filter((tp) => {
      const task = this.tasks.taskFor(tp.topic, tp.partition);
      return task ? !task.inputs.some((i) => tpKey(i) === tpKey(tp)) : this.tasks.taskIdsOf([tp]).size > 0;
    });
    if (missing.length > 0) {
      const created = await this.tasks.createTasks(missing);
      const inputs = created.flatMap((t) => t.inputs);
      if (inputs.length > 0) this.ports.consumer.pause(inputs);
      if (created.length > 0)
        this.log.info({ tasks: created.map((t) => t.name) }, 'created tasks for assigned partitions');
    }
    const unpositioned = this.tasks
      .running()
      .flatMap((t) => t.inputs)
      .filter((tp) => this.ports.consumer.position(tp) === undefined);
    if (unpositioned.length > 0) {
      this.log.info({ partitions: unpositioned.map(tpKey) }, 'rewinding partitions without a fetch position');
      await this.rewind(unpositioned);
    }
  }

  /**
   * The liveness check (principle 9's counterpart: nothing stalls silently). A task whose input has
   * not moved for `taskStallTimeoutMs` while there is input beyond its position is reported (metric,
   * warning naming task and partitions) and rebuilt: closed after a commit, re-created, restored
   * and rewound to its committed offsets.
   */
  private async checkLiveness(): Promise<void> {
    const now = Date.now();
    if (now - this.lastWatchdogCheck < Math.min(5000, this.config.taskStallTimeoutMs / 2)) return;
    this.lastWatchdogCheck = now;
    const running = this.tasks.running();
    await this.updateLag(running);
    const stalled = await this.watchdog.stalled(running, this.ports, now);
    const stalledNames = new Set(stalled.map((s) => s.task.name));
    for (const task of running)
      if (!stalledNames.has(task.name)) this.metrics.taskStalled.set({ task_id: task.name }, 0);
    if (stalled.length === 0) return;
    await this.committer.commit();
    for (const { task, partitions, stalledMs } of stalled) {
      this.metrics.taskStalled.set({ task_id: task.name }, 1);
      this.metrics.stallRecoveries.inc({ task_id: task.name });
      this.log.warn(
        {
          task: task.name,
          stalledMs,
          partitions: partitions.map((p) => ({
            partition: tpKey(p.partition),
            position: p.position?.toString() ?? null,
            end: p.end.toString(),
          })),
        },
        'task made no progress although input is waiting; rebuilding it',
      );
      // Closed here, re-created by the next reconcile: restored, rewound to its committed offsets.
      this.watchdog.forget(task.inputs);
      await this.tasks.close([task.name], true);
    }
  }

  private async processBatch(records: readonly ConsumedRecord[]): Promise<void> {
    if (records.length === 0) return;
    const byTask = new Map<ManagedTask, ConsumedRecord[]>();
    for (const record of records) {
      const task = this.tasks.taskFor(record.topic, record.partition);
      // Records of a task that is restoring or was revoked since the poll are dropped: the task
      // seeks back to its committed offset before it runs.
      if (!task || task.state !== 'running') continue;
      const list = byTask.get(task) ?? [];
      list.push(record);
      byTask.set(task, list);
    }
    for (const [task, list] of byTask) byTask.set(task, inTimestampOrder(list));
    // Tasks are independent: overlap their (possibly async) processing; within a task, records go
    // strictly one at a time, oldest first across its partitions, in offset order within each. A huge fetch is committed in slices, all tasks at a
    // slice boundary, so latency stays bounded and no commit ever sees a half-processed record.
    const size = this.config.maxRecordsPerCommit;
    for (let start = 0; this.running; start += size) {
      const work = [...byTask].filter(([, list]) => list.length > start);
      if (work.length === 0) return;
      if (start > 0) await this.committer.commit();
      await Promise.all(work.map(([task, list]) => this.processTask(task, list.slice(start, start + size))));
    }
  }

  private async processTask(task: ManagedTask, records: readonly ConsumedRecord[]): Promise<void> {
    await task.processor.prefetchStores(records.flatMap((r) => (r.key ? [r.key] : [])));
    for (const record of records) {
      // Closing: stop at a record boundary. What was processed is committed by stop(); the rest
      // is read again by the next owner (Kafka Streams' close() does not drain its buffers either).
      if (!this.running) return;
      const span = startProcessSpan(`process ${record.topic}`, record.headers, {
        'messaging.system': 'kafka',
        'messaging.destination.name': record.topic,
        'messaging.kafka.partition': record.partition,
        'messaging.kafka.offset': record.offset.toString(),
        'streams.task_id': task.name,
      });
      // The key finds a record's trace in a trace store (Jaeger's tag search), e.g. every trace of
      // one order id; decoded only when the span records, so untraced processing pays nothing.
      if (record.key && span.isRecording())
        span.setAttribute('messaging.kafka.message.key', record.key.toString('utf8'));
      const started = performance.now();
      try {
        // Downstream records carry the span's traceparent; connectors' calls become its children.
        await runInSpan(span, () =>
          task.processor.process({ ...record, headers: headersFor(record.headers, span) }),
        );
      } finally {
        span.end();
      }
      this.metrics.processLatency.observe({ task_id: task.name }, (performance.now() - started) / 1000);
      this.metrics.processed.inc({ task_id: task.name });
      this.buffer.consumedUpTo(record, record.offset);
      task.dirty = true;
    }
  }

  private nextWallClockPunctuationMs(): number {
    let next = Infinity;
    for (const task of this.tasks.running())
      next = Math.min(next, task.processor.nextWallClockPunctuationMs());
    return next;
  }

  private async punctuateIfDue(): Promise<void> {
    const now = Date.now();
    if (now < this.nextWallClockPunctuationMs()) return;
    for (const task of this.tasks.running()) {
      const before = task.processor.counters.punctuations;
      await task.processor.punctuateWallClock(now);
      if (task.processor.counters.punctuations !== before) {
        task.dirty = true;
        this.metrics.punctuations.inc(
          { type: 'WALL_CLOCK_TIME' },
          task.processor.counters.punctuations - before,
        );
      }
    }
  }

  private async onAssigned(partitions: readonly TopicPartition[]): Promise<void> {
    this.metrics.rebalances.inc();
    this.standbys?.assignmentChanged();
    const created = await this.tasks.createTasks(partitions);
    const inputs = created.flatMap((t) => t.inputs);
    if (inputs.length > 0) this.ports.consumer.pause(inputs);
    this.log.info(
      { partitions: partitions.map(tpKey), newTasks: created.map((t) => t.name) },
      'partitions assigned',
    );
  }

  private async onRevoked(partitions: readonly TopicPartition[]): Promise<void> {
    this.standbys?.assignmentChanged();
    const names = this.tasks.namesOf(partitions);
    if (names.length === 0) return;
    // Whatever the revoked tasks did is committed before they go: the next owner starts exactly here.
    try {
      await this.committer.commit();
    } catch (error) {
      // The transaction is aborted: every task's buffered store writes belong to it, not only the
      // revoked ones'. All tasks close dirty; the next loop re-creates the kept ones from their
      // changelogs at the committed offsets.
      this.buffer.clear();
      await this.tasks.closeAll(false);
      this.log.warn({ err: error }, 'commit on revocation failed; all tasks closed without it');
      return;
    }
    await this.tasks.close(names, true);
    this.log.info({ partitions: partitions.map(tpKey), closedTasks: names }, 'partitions revoked');
  }

  /** Restores newly assigned tasks, then points their partitions at the committed offsets and resumes them. */
  private async restorePending(): Promise<void> {
    const restoring = this.tasks.restoring();
    if (restoring.length === 0) return;
    for (const task of restoring) {
      await this.tasks.restore(task);
      await this.rewind(task.inputs);
      this.ports.consumer.resume(task.inputs);
      this.log.info({ task: task.name }, 'task running');
    }
  }

  /** `kafka_streams_records_lag`: last stable offset minus fetch position, per input partition. */
  private async updateLag(running: readonly ManagedTask[]): Promise<void> {
    const inputs = running.flatMap((t) => t.inputs);
    if (inputs.length === 0) return;
    const ends = await this.ports.admin.endOffsets(inputs);
    for (const tp of inputs) {
      const end = ends.get(tpKey(tp));
      const position = this.ports.consumer.position(tp);
      if (end === undefined || position === undefined) continue;
      const lag = end > position ? Number(end - position) : 0;
      this.metrics.lag.set({ topic: tp.topic, partition: String(tp.partition) }, lag);
    }
  }

  /**
   * Seeks partitions to their committed offsets, or the beginning when the group has none or the
   * committed offset was deleted by retention (Kafka Streams' default auto.offset.reset=earliest).
   */
  private async rewind(partitions: readonly TopicPartition[]): Promise<void> {
    if (partitions.length === 0) return;
    const committed = await this.ports.consumer.committed(partitions);
    const beginnings = await this.ports.admin.beginningOffsets(partitions);
    for (const tp of partitions) {
      const beginning = beginnings.get(tpKey(tp)) ?? 0n;
      const offset = committed.get(tpKey(tp)) ?? beginning;
      this.ports.consumer.seek(tp, offset < beginning ? beginning : offset);
    }
  }

  /**
   * A failed iteration: abort, drop every task's uncommitted state and close the tasks; the next
   * iteration re-creates them from the assignment, restores them from their checkpoints and
   * changelogs and rewinds them to the committed offsets. Kafka and the stores agree again, so
   * nothing is lost or doubled. What the error says decides the rest (KafkaRecovery): a stale
   * producer is replaced, a deterministic refusal stops the thread, and a streak of failures that
   * outlasts `taskTimeoutMs` stops it too (app state ERROR) instead of looping silently. Returns
   * false when the thread must stop.
   */
  private async recover(error: unknown): Promise<boolean> {
    const err = error instanceof Error ? error : new Error(String(error));
    const now = Date.now();
    if (this.failures === 0 || now - this.lastFailureAt > STREAK_RESET_MS) {
      this.failures = 0;
      this.streakStartedAt = now;
    }
    this.failures++;
    this.lastFailureAt = now;
    const fatal = fatalReason(err);
    if (fatal !== null) return this.stopFatally(err, fatal);
    if (err instanceof ProducerFencedError) {
      this.fencings = [...this.fencings.filter((at) => now - at < FENCING_WINDOW_MS), now];
      if (this.fencings.length >= FENCINGS_TOLERATED) {
        const message =
          `Fenced ${this.fencings.length} times in ${FENCING_WINDOW_MS / 60_000} min: another instance ` +
          `uses this transactional id (is INSTANCE_ID shared?); last error: ${err.message}`;
        return this.stopFatally(
          new ProducerFencedError(message, { cause: err }),
          'fenced by another instance',
        );
      }
      this.log.warn(
        { err },
        'producer fenced (a transaction timed out at its coordinator?); re-initialising',
      );
    }
    if (now - this.streakStartedAt > this.config.taskTimeoutMs) {
      const message =
        `Giving up after ${this.failures} failed attempts over ${Math.round((now - this.streakStartedAt) / 1000)} s ` +
        `(taskTimeoutMs=${this.config.taskTimeoutMs}); last error: ${err.message}`;
      return this.stopFatally(new KafkaClientError(message, { cause: err }), 'retries exhausted');
    }
    // Under exactly-once every failed transaction gets a new producer, whatever the error said.
    // The client keeps state across a failed transaction that the broker no longer shares: the
    // sequence numbers of refused requests (OUT_OF_ORDER_SEQUENCE_NUMBER forever), and operations
    // still retrying inside it — an AddPartitionsToTxn of the failed transaction, still in flight,
    // was handed to the next transaction's AddPartitionsToTxn by the client's de-duplication, so
    // that transaction wrote to partitions it never added: their records stayed outside the
    // commit (later aborted) while the stores kept the writes (records counted twice after a
    // broker restart). A new producer's InitProducerId also aborts whatever the old one left open.
    const newProducer = this.ports.producer.transactional;
    const delay = RECOVERY_BACKOFF_MS[Math.min(this.failures - 1, RECOVERY_BACKOFF_MS.length - 1)] as number;
    this.log.warn(
      { err, attempt: this.failures, retryInMs: delay, newProducer },
      'batch failed; rebuilding tasks from committed state',
    );
    this.metrics.commits.inc({ outcome: 'failed' });
    this.metrics.recoveries.inc({ action: newProducer ? 'new_producer' : 'rebuild' });
    // Clean up at once, before backing off: while the thread waits, a rebalance listener may take
    // the lock and commit, and that commit must not find the failed transaction's store writes
    // still buffered (it would apply them to RocksDB: state ahead of Kafka, records counted twice).
    try {
      await this.lock.run(async () => {
        this.buffer.clear();
        await this.tasks.closeAll(false);
        if (newProducer) await this.ports.producer.reset();
      });
    } catch (rebuildError) {
      this.log.error({ err: rebuildError }, 'closing tasks after a failure failed; will retry');
    }
    await new Promise((resolve) => setTimeout(resolve, delay));
    return this.running;
  }

  private async stopFatally(err: Error, reason: string): Promise<boolean> {
    this.fatalError = err;
    this.running = false;
    if (this.heartbeat) clearInterval(this.heartbeat);
    this.metrics.recoveries.inc({ action: 'give_up' });
    this.log.fatal({ err, reason }, 'stream thread stopping');
    await this.lock.run(() => this.tasks.closeAll(false));
    this.onFatal(err);
    return false;
  }
}

/** Why retrying cannot help, or null when it can. */
function fatalReason(err: Error): string | null {
  // ProcessingError: the configured handler says fail. A fatal Kafka error: the broker refuses
  // this work as it is. (Fencing is counted in recover(): once is not fatal.)
  if (err instanceof ProcessingError) return 'processing failed and the handler says fail';
  if (err instanceof KafkaClientError && err.recovery === 'fatal')
    return `the broker refuses this work (${err.brokerErrors.join(', ')})`;
  return null;
}
