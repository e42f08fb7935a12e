import { ProducerFencedError, ProcessingError } from '../../topology/index.ts';
import type { StreamsConfig } from '../config.ts';
import type { Logger } from '../logger.ts';
import type { StreamsMetrics } from '../metrics/streams-metrics.ts';
import { injectContext, startProcessSpan } from '../tracing/trace-context.ts';
import type { CommitBuffer } from './commit-buffer.ts';
import type { Committer } from './committer.ts';
import { Mutex } from './mutex.ts';
import type { ConsumedRecord, KafkaPorts, TopicPartition } from './ports.ts';
import { tpKey } from './ports.ts';
import type { ManagedTask, TaskManager } from './task-manager.ts';

/** After a failed commit the thread backs off before retrying, so a broker outage is not a busy loop. */
const RECOVERY_BACKOFF_MS = [100, 250, 500, 1000, 2000, 5000];

/**
 * The poll → process → commit loop (Kafka Streams' `StreamThread`). Adaptive commit: every polled
 * batch is committed as soon as it is processed (principle 3), so an idle pipeline commits within
 * milliseconds and a busy one amortises a commit over a large batch (`maxRecordsPerCommit` caps it).
 */
export class StreamThread {
  private readonly lock = new Mutex();
  private readonly tasks: TaskManager;
  private readonly committer: Committer;
  private readonly buffer: CommitBuffer;
  private readonly ports: KafkaPorts;
  private readonly config: StreamsConfig;
  private readonly metrics: StreamsMetrics;
  private readonly log: Logger;
  private running = false;
  private lastPunctuation = 0;
  private failures = 0;
  private loopDone: Promise<void> = Promise.resolve();
  /** Set when the thread stops because of an error that retrying cannot fix. */
  fatalError: Error | null = null;
  onFatal: (error: Error) => void = () => undefined;

  constructor(options: {
    tasks: TaskManager;
    committer: Committer;
    buffer: CommitBuffer;
    ports: KafkaPorts;
    config: StreamsConfig;
    metrics: StreamsMetrics;
    log: Logger;
  }) {
    this.tasks = options.tasks;
    this.committer = options.committer;
    this.buffer = options.buffer;
    this.ports = options.ports;
    this.config = options.config;
    this.metrics = options.metrics;
    this.log = options.log;
  }

  async start(topics: readonly string[]): Promise<void> {
    this.running = true;
    await this.ports.consumer.subscribe(topics, {
      onAssigned: (partitions) => this.lock.run(() => this.onAssigned(partitions)),
      onRevoked: (partitions) => this.lock.run(() => this.onRevoked(partitions)),
    });
    this.loopDone = this.loop();
  }

  /** Finishes the batch in flight, commits it, closes the tasks cleanly. */
  async stop(): Promise<void> {
    this.running = false;
    await this.loopDone;
    await this.lock.run(async () => {
      if (this.fatalError === null) {
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
        await this.lock.run(() => this.restorePending());
        const records = await this.ports.consumer.poll(this.config.pollMaxWaitMs);
        await this.lock.run(async () => {
          await this.processBatch(records);
          await this.punctuateIfDue();
          await this.committer.commit();
        });
        this.failures = 0;
      } catch (error) {
        if (!(await this.recover(error))) return;
      }
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
    // Tasks are independent: overlap their (possibly async) processing; within a task, records go
    // strictly one at a time in offset order. A huge fetch is committed in slices, all tasks at a
    // slice boundary, so latency stays bounded and no commit ever sees a half-processed record.
    const size = this.config.maxRecordsPerCommit;
    for (let start = 0; ; start += size) {
      const work = [...byTask].filter(([, list]) => list.length > start);
      if (work.length === 0) return;
      if (start > 0) await this.committer.commit();
      await Promise.all(work.map(([task, list]) => this.processTask(task, list.slice(start, start + size))));
    }
  }

  private async processTask(task: ManagedTask, records: readonly ConsumedRecord[]): Promise<void> {
    for (const record of records) {
      const span = startProcessSpan(`process ${record.topic}`, record.headers, {
        'messaging.system': 'kafka',
        'messaging.destination.name': record.topic,
        'messaging.kafka.partition': record.partition,
        'messaging.kafka.offset': record.offset.toString(),
        'streams.task_id': task.name,
      });
      const started = performance.now();
      try {
        await task.processor.process({ ...record, headers: injectContext(record.headers, span) });
      } finally {
        span.end();
      }
      this.metrics.processLatency.observe({ task_id: task.name }, (performance.now() - started) / 1000);
      this.metrics.processed.inc({ task_id: task.name });
      this.buffer.consumedUpTo(record, record.offset);
      task.dirty = true;
    }
  }

  private async punctuateIfDue(): Promise<void> {
    const now = Date.now();
    if (now - this.lastPunctuation < this.config.punctuationCheckIntervalMs) return;
    this.lastPunctuation = now;
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
    const created = await this.tasks.createTasks(partitions);
    const inputs = created.flatMap((t) => t.inputs);
    if (inputs.length > 0) this.ports.consumer.pause(inputs);
    this.log.info(
      { partitions: partitions.map(tpKey), newTasks: created.map((t) => t.name) },
      'partitions assigned',
    );
  }

  private async onRevoked(partitions: readonly TopicPartition[]): Promise<void> {
    const names = this.tasks.namesOf(partitions);
    if (names.length === 0) return;
    // Whatever the revoked tasks did is committed before they go: the next owner starts exactly here.
    let clean = true;
    try {
      await this.committer.commit();
    } catch (error) {
      clean = false;
      this.buffer.clear();
      this.log.warn({ err: error }, 'commit on revocation failed; revoked tasks close without it');
    }
    await this.tasks.close(names, clean);
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

  /** Seeks partitions to their committed offsets (or the beginning when the group has none). */
  private async rewind(partitions: readonly TopicPartition[]): Promise<void> {
    if (partitions.length === 0) return;
    const committed = await this.ports.consumer.committed(partitions);
    const beginnings = await this.ports.admin.beginningOffsets(partitions);
    for (const tp of partitions) {
      const offset = committed.get(tpKey(tp)) ?? beginnings.get(tpKey(tp)) ?? 0n;
      this.ports.consumer.seek(tp, offset);
    }
  }

  /**
   * A failed batch or commit: abort, drop every task's uncommitted state, and rebuild the tasks from
   * their checkpoints and changelogs at the committed offsets. Kafka and the stores agree again, so
   * nothing is lost or doubled. Returns false when the thread must stop.
   */
  private async recover(error: unknown): Promise<boolean> {
    const err = error instanceof Error ? error : new Error(String(error));
    if (err instanceof ProducerFencedError || err instanceof ProcessingError) {
      // Fenced: a newer instance with our transactional id owns the work; ProcessingError: the
      // configured handler says fail. Either way continuing would be wrong.
      this.fatalError = err;
      this.running = false;
      this.log.fatal({ err }, 'stream thread stopping');
      await this.lock.run(() => this.tasks.closeAll(false));
      this.onFatal(err);
      return false;
    }
    const delay = RECOVERY_BACKOFF_MS[Math.min(this.failures, RECOVERY_BACKOFF_MS.length - 1)] as number;
    this.failures++;
    this.log.warn(
      { err, attempt: this.failures, retryInMs: delay },
      'batch failed; rebuilding tasks from committed state',
    );
    this.metrics.commits.inc({ outcome: 'failed' });
    await new Promise((resolve) => setTimeout(resolve, delay));
    try {
      await this.lock.run(async () => {
        this.buffer.clear();
        const inputs = this.tasks.all().flatMap((t) => t.inputs);
        await this.tasks.closeAll(false);
        if (inputs.length > 0) {
          await this.tasks.createTasks(inputs);
          this.ports.consumer.pause(inputs);
        }
      });
    } catch (rebuildError) {
      this.log.error({ err: rebuildError }, 'rebuilding tasks failed; will retry');
    }
    return this.running;
  }
}
