import { join } from 'node:path';
import { mkdirSync } from 'node:fs';
import { TopologyError, type Topology } from '../../topology/index.ts';
import { KafkaClientError, ProcessingError } from '../../engine-common/errors.ts';
import type { StateStore } from '../../state-stores/state-store.ts';
import type { StreamsConfig } from '../config.ts';
import type { Logger } from '../logger.ts';
import type { StreamsMetrics } from '../metrics/streams-metrics.ts';
import { FailureStreak } from './backoff.ts';
import {
  CheckpointFormatError,
  GLOBAL_CHECKPOINT_FILE,
  readCheckpoint,
  writeCheckpoint,
  type CheckpointEntry,
} from './global-checkpoint.ts';
import { planGlobalStart } from './global-positions.ts';
import { GlobalTasks, type GlobalTaskPorts } from './global-tasks.ts';
import type { PartitionReaderPort, TopicPartition } from '../ports/ports.ts';
import { tpKey } from '../ports/ports.ts';

/**
 * The checkpoint file is rewritten at most this often while records arrive (and on close). A lost
 * checkpoint only costs replaying a tail into the stores, which puts the same values again.
 */
const CHECKPOINT_INTERVAL_MS = 10_000;
/** Bootstrap progress is logged at most this often. */
const PROGRESS_LOG_INTERVAL_MS = 2000;

export interface GlobalStatePorts extends GlobalTaskPorts {
  /** A reader of its own: the stream thread's restores use the app's reader at the same time. */
  readonly reader: PartitionReaderPort;
}

interface Position {
  readonly tp: TopicPartition;
  /** The next offset to read; everything before it is committed in the stores. */
  offset: bigint;
}

/**
 * Keeps the global stores (GlobalKTable) of this instance complete and current: Kafka Streams'
 * GlobalStreamThread with its GlobalStateManager. Every instance holds the whole table.
 *
 * `start()` bootstraps: it reads every partition of every global source topic from the checkpoint
 * (or the beginning) to the end as it was then (read_committed: the last stable offset), before
 * any stream task runs. The source topic is the stores' changelog; there is no other. Then a loop
 * applies new records as they come, through the same global processors, and writes the checkpoint
 * (`<stateDir>/<applicationId>/global/.checkpoint`, next offset per source partition) every
 * CHECKPOINT_INTERVAL_MS and on close, so a restart replays only the tail.
 *
 * The stores apply a batch before the positions move past it and the checkpoint names only
 * positions already applied, so after a crash the tail is applied again (at least once, as in
 * Kafka Streams: putting the same value twice changes nothing). A failure (broker away) aborts
 * the batch and is retried with the stream thread's backoff; a streak longer than `taskTimeoutMs`,
 * or an error retrying cannot fix, stops the maintainer and tells `onFatal`.
 */
export class GlobalStateMaintainer {
  onFatal: (error: Error) => void = () => undefined;
  private readonly tasks: GlobalTasks;
  private readonly ports: GlobalStatePorts;
  private readonly config: StreamsConfig;
  private readonly metrics: StreamsMetrics;
  private readonly log: Logger;
  private readonly checkpointPath: string;
  private readonly positions = new Map<string, Position>();
  private readonly streak = new FailureStreak();
  private positioned = false;
  private stopping = false;
  private checkpointedAt = 0;
  private checkpointStale = false;
  private started: Promise<void> = Promise.resolve();
  private loopDone: Promise<void> = Promise.resolve();
  private wake: (() => void) | null = null;

  constructor(options: {
    topology: Topology;
    config: StreamsConfig;
    ports: GlobalStatePorts;
    metrics: StreamsMetrics;
    log: Logger;
  }) {
    this.config = options.config;
    this.ports = options.ports;
    this.metrics = options.metrics;
    this.log = options.log.child({ component: 'global' });
    const stateDir = join(this.config.stateDir, this.config.applicationId, 'global');
    mkdirSync(stateDir, { recursive: true });
    this.checkpointPath = join(stateDir, GLOBAL_CHECKPOINT_FILE);
    this.tasks = new GlobalTasks(options.topology, {
      config: this.config,
      stateDir,
      ports: this.ports,
      metrics: this.metrics,
      log: this.log,
    });
  }

  /** The global stores by name, for the stream tasks and interactive queries. */
  get stores(): ReadonlyMap<string, StateStore> {
    return this.tasks.stores;
  }

  /** Opens the stores and bootstraps them; resolves once they hold the whole topic as it was. */
  start(): Promise<void> {
    this.started = this.bootstrapAndRun();
    return this.started;
  }

  private async bootstrapAndRun(): Promise<void> {
    await this.tasks.open();
    const ends = await this.retrying('bootstrap', async () => {
      await this.position();
      return this.ends();
    });
    await this.retrying('bootstrap', () => this.bootstrap(ends));
    if (this.stopping) return;
    this.saveCheckpoint();
    this.loopDone = this.loop();
  }

  /** Stops the loop, writes the checkpoint and closes the stores (after the stream tasks closed). */
  async close(): Promise<void> {
    this.stopping = true;
    this.wake?.();
    // A bootstrap in progress stops at its next batch; the stores close only after it did.
    await this.started.catch(() => undefined);
    await this.loopDone;
    await this.tasks.abort().catch(() => undefined);
    if (this.positioned) {
      try {
        this.saveCheckpoint();
      } catch (error) {
        this.log.warn({ err: error }, 'writing the global checkpoint failed; a restart replays more');
      }
    }
    await this.tasks.close();
  }

  /** Where each partition starts: from the checkpoint when it can be trusted (see planGlobalStart). */
  private async position(): Promise<void> {
    if (this.positioned) return;
    const topics = this.tasks.topics();
    const counts = await this.ports.admin.partitionCounts(topics, 'READ');
    const missing = topics.filter((t) => !counts.has(t));
    if (missing.length > 0)
      throw new TopologyError(
        `Global table source topic(s) ${missing.join(', ')} do not exist; create them first`,
      );
    const partitions = topics.flatMap((topic) =>
      Array.from({ length: counts.get(topic) as number }, (_, partition) => ({ topic, partition })),
    );
    const [beginnings, ends] = await Promise.all([
      this.ports.admin.beginningOffsets(partitions),
      this.ports.admin.endOffsets(partitions),
    ]);
    let checkpoint: Map<string, CheckpointEntry> | null = null;
    try {
      checkpoint = readCheckpoint(this.checkpointPath);
    } catch (error) {
      if (!(error instanceof CheckpointFormatError)) throw error;
      this.log.warn({ err: error }, 'global checkpoint unreadable; bootstrapping from the beginning');
    }
    const plan = planGlobalStart({
      partitions,
      checkpoint,
      persistent: this.tasks.persistent(),
      beginnings,
      ends,
    });
    if (plan.wipeReason !== null) {
      // Only a checkpoint we could not use is news; a first start has none.
      if (checkpoint !== null) this.log.warn({ reason: plan.wipeReason }, 'global stores wiped');
      await this.tasks.wipe(checkpoint !== null ? 'global checkpoint unusable' : null);
    }
    for (const tp of partitions)
      this.positions.set(tpKey(tp), { tp, offset: plan.from.get(tpKey(tp)) ?? 0n });
    this.positioned = true;
  }

  private async ends(): Promise<Map<string, bigint>> {
    return this.ports.admin.endOffsets([...this.positions.values()].map((p) => p.tp));
  }

  /** Reads every partition up to `ends`; each attempt goes on from where the last one got. */
  private async bootstrap(ends: ReadonlyMap<string, bigint>): Promise<void> {
    const started = Date.now();
    const from = new Map([...this.positions].map(([key, p]) => [key, p.offset]));
    let lastLog = started;
    let applied = 0;
    while (!this.stopping && this.behind(ends).length > 0) {
      const round = await this.catchUp(ends, (tp, count) => {
        applied += count;
        for (const store of this.tasks.storesOf(tp.topic)) this.metrics.restored.inc({ store }, count);
        this.reportRemaining(ends);
        if (Date.now() - lastLog >= PROGRESS_LOG_INTERVAL_MS) {
          lastLog = Date.now();
          this.log.info({ applied, remaining: this.remaining(ends) }, 'bootstrapping global stores');
        }
      });
      if (!round) throw this.noProgress(ends);
    }
    this.reportRemaining(ends);
    for (const topic of this.tasks.topics())
      for (const store of this.tasks.storesOf(topic)) this.metrics.restored.inc({ store }, 0);
    this.log.info(
      {
        applied,
        ms: Date.now() - started,
        partitions: [...this.positions].map(
          ([key, p]) => `${key} ${String(from.get(key) ?? p.offset)}→${String(p.offset)}`,
        ),
      },
      'global stores bootstrapped',
    );
  }

  private async loop(): Promise<void> {
    while (!this.stopping) {
      try {
        const ends = await this.ends();
        const behind = this.behind(ends).length > 0;
        if (behind && !(await this.catchUp(ends, () => undefined)) && !this.stopping)
          throw this.noProgress(ends);
        this.streak.reset();
        if (this.checkpointStale && Date.now() - this.checkpointedAt >= CHECKPOINT_INTERVAL_MS)
          this.saveCheckpoint();
        if (!behind) await this.sleep(this.config.pollMaxWaitMs);
      } catch (error) {
        if (!(await this.recover(error))) return;
      }
    }
  }

  /**
   * One pass over the partitions behind `ends`: applies what the reader returns, a committed batch
   * at a time. True when any partition moved. A partition that cannot move is looked at: a
   * transaction marker or an aborted record at its position (nothing a read_committed reader
   * returns) is stepped over; a position retention deleted moves to the partition's new beginning.
   */
  private async catchUp(
    ends: ReadonlyMap<string, bigint>,
    onApplied: (tp: TopicPartition, count: number) => void,
  ): Promise<boolean> {
    let moved = false;
    for (const position of this.behind(ends)) {
      if (this.stopping) return true;
      const end = ends.get(tpKey(position.tp)) as bigint;
      const before = position.offset;
      for await (const batch of this.ports.reader.read(position.tp, position.offset, end)) {
        if (batch.length === 0) continue;
        await this.tasks.process(batch);
        await this.tasks.commit();
        position.offset = (batch.at(-1)?.offset ?? position.offset) + 1n;
        this.checkpointStale = true;
        onApplied(position.tp, batch.length);
        if (this.stopping) return true;
      }
      if (position.offset === before) await this.unstick(position);
      if (position.offset !== before) moved = true;
    }
    return moved;
  }

  private async unstick(position: Position): Promise<void> {
    const outcome = await this.ports.reader.outcomeAt(position.tp, position.offset);
    if (outcome === 'marker' || outcome === 'aborted') {
      position.offset += 1n;
      this.checkpointStale = true;
    } else if (outcome === 'out-of-range') {
      const beginning = (await this.ports.admin.beginningOffsets([position.tp])).get(tpKey(position.tp));
      if (beginning !== undefined && beginning > position.offset) {
        this.log.warn(
          { partition: tpKey(position.tp), from: String(position.offset), to: String(beginning) },
          'global source records were deleted before they were read; going on from the beginning',
        );
        position.offset = beginning;
        this.checkpointStale = true;
      }
    }
  }

  private behind(ends: ReadonlyMap<string, bigint>): Position[] {
    return [...this.positions.values()].filter((p) => (ends.get(tpKey(p.tp)) ?? 0n) > p.offset);
  }

  private remaining(ends: ReadonlyMap<string, bigint>): number {
    return this.behind(ends).reduce((sum, p) => sum + Number((ends.get(tpKey(p.tp)) ?? 0n) - p.offset), 0);
  }

  private reportRemaining(ends: ReadonlyMap<string, bigint>): void {
    for (const topic of this.tasks.topics()) {
      const left = this.behind(ends)
        .filter((p) => p.tp.topic === topic)
        .reduce((sum, p) => sum + Number((ends.get(tpKey(p.tp)) ?? 0n) - p.offset), 0);
      for (const store of this.tasks.storesOf(topic))
        this.metrics.restoreRemaining.set({ store, task_id: 'global' }, left);
    }
  }

  private noProgress(ends: ReadonlyMap<string, bigint>): KafkaClientError {
    const stuck = this.behind(ends).map((p) => `${tpKey(p.tp)}@${p.offset} (end ${ends.get(tpKey(p.tp))})`);
    return new KafkaClientError(`global source partitions returned nothing to read: ${stuck.join(', ')}`);
  }

  private saveCheckpoint(): void {
    writeCheckpoint(
      this.checkpointPath,
      [...this.positions.values()].map((p) => ({ ...p.tp, offset: p.offset })),
    );
    this.checkpointedAt = Date.now();
    this.checkpointStale = false;
  }

  /** Runs `attempt` until it succeeds, backing off between failures; throws when retrying cannot help. */
  private async retrying<T>(what: string, attempt: () => Promise<T>): Promise<T> {
    for (;;) {
      try {
        const result = await attempt();
        this.streak.reset();
        return result;
      } catch (error) {
        const err = error instanceof Error ? error : new Error(String(error));
        const step = await this.failed(err);
        if (step instanceof Error) throw step;
        this.log.warn(
          { err, attempt: step.attempt, retryInMs: step.delayMs },
          `global ${what} failed; retrying`,
        );
        await this.sleep(step.delayMs);
        if (this.stopping) throw new TopologyError('closed while bootstrapping the global stores');
      }
    }
  }

  /** A failed iteration of the loop: false when the maintainer has stopped. */
  private async recover(error: unknown): Promise<boolean> {
    const err = error instanceof Error ? error : new Error(String(error));
    const step = await this.failed(err);
    if (step instanceof Error) {
      this.stopping = true;
      this.metrics.recoveries.inc({ action: 'give_up' });
      this.log.fatal({ err: step }, 'global state maintainer stopping');
      this.onFatal(step);
      return false;
    }
    this.log.warn(
      { err, attempt: step.attempt, retryInMs: step.delayMs },
      'updating the global stores failed; retrying from the last applied offsets',
    );
    await this.sleep(step.delayMs);
    return !this.stopping;
  }

  /** Drops the failed batch; returns the backoff step, or the error to stop with. */
  private async failed(err: Error): Promise<{ attempt: number; delayMs: number } | Error> {
    await this.tasks.abort().catch(() => undefined);
    if (err instanceof ProcessingError || err instanceof TopologyError) return err;
    if (err instanceof KafkaClientError && err.recovery === 'fatal') return err;
    const step = this.streak.failed(Date.now());
    this.metrics.recoveries.inc({ action: 'global_retry' });
    if (step.streakMs > this.config.taskTimeoutMs)
      return new KafkaClientError(
        `Global stores: giving up after ${step.attempt} failed attempts over ${Math.round(step.streakMs / 1000)} s ` +
          `(taskTimeoutMs=${this.config.taskTimeoutMs}); last error: ${err.message}`,
        { cause: err },
      );
    return step;
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.wake = null;
        resolve();
      }, ms);
      this.wake = () => {
        clearTimeout(timer);
        this.wake = null;
        resolve();
      };
    });
  }
}
