import type { StateStore, StateStoreContext } from '../../state-stores/state-store.ts';
import {
  ProcessingError,
  StateStoreError,
  TopologyError,
  formatTaskId,
  PunctuationType,
  changelogTopicName,
  type Cancellable,
  type ProcessorTopology,
  type Punctuator,
  type RecordMetadata,
  type TaskId,
  type Topology,
} from '../../topology/index.ts';
import { createLogger, type Logger } from '../logger.ts';
import { buildDeadLetterRecord, type DeadLetterStage } from './dead-letter.ts';
import { PunctuationQueue } from './internals/punctuation-queue.ts';
import { decode } from './internals/decode.ts';
import { stageOf, unavailableDependency } from './internals/failure-stage.ts';
import { invoke, runAll } from './internals/forwarding.ts';
import { sinkProcessor } from './internals/sink-processor.ts';
import { TaskNode, type AnyRecord, type TaskServices } from './internals/task-node.ts';
import type {
  ProcessingExceptionHandler,
  TaskCounters,
  TaskInputRecord,
  TaskProcessorOptions,
} from './task-options.ts';
import { SystemTime, type Time } from './time.ts';
import { recordDeadLetter } from '../tracing/trace-context.ts';

type State = 'created' | 'stores-ready' | 'running' | 'closed';

let defaultLogger: Logger | null = null;

/**
 * Runs one task: one sub-topology on one partition (Kafka Streams' `StreamTask` minus the Kafka
 * I/O). The runtime (or the test driver) feeds it records and decides when to commit.
 *
 * Lifecycle:
 * 1. `initStores()` builds and opens the task's stores; the owner then restores them from their
 *    changelogs (`stores()`, `StateStore.checkpointedOffset()/restore()`).
 * 2. `initProcessors()` creates and initialises the processors (they may schedule punctuators).
 *    `init()` does 1 and 2 for owners with nothing to restore.
 * 3. `process(record)` for each record, in offset order, awaiting each call: records are processed
 *    strictly one at a time, each through the whole sub-topology (depth-first), before the next
 *    starts, so async processors never interleave, within a key or across keys. Stream-time
 *    punctuators fire at the end of the call that advanced stream time.
 *    `punctuateWallClock(now)` fires due wall-clock punctuators.
 * 4. Commit: after the Kafka transaction carrying the outputs, changelog records and offsets
 *    committed, `commitStores(nextChangelogOffsets)`; when it aborted, `abortStores()` (and recreate
 *    the task: processors may hold in-memory state of the aborted records).
 * 5. `close()`.
 *
 * Forwarding is deferred: a record forwarded during `process()` reaches the children once that call
 * resolves, in forward order, each through its whole sub-tree before the next.
 */
export class TaskProcessor {
  readonly taskId: TaskId;
  readonly counters: TaskCounters = { processed: 0, deadLettered: 0, punctuations: 0, punctuationErrors: 0 };
  private readonly options: TaskProcessorOptions;
  private readonly topology: ProcessorTopology;
  private readonly time: Time;
  private readonly log: Logger;
  private readonly handler: ProcessingExceptionHandler;
  private readonly taskStores = new Map<string, StateStore>();
  private readonly nodes = new Map<string, TaskNode>();
  private readonly streamTimePunctuations = new PunctuationQueue<TaskNode>();
  private readonly wallClockPunctuations = new PunctuationQueue<TaskNode>();
  private streamTime: number;
  private currentMetadata: RecordMetadata | null = null;
  private state: State = 'created';
  private busy = false;

  constructor(topology: Topology, options: TaskProcessorOptions) {
    this.options = options;
    this.taskId = options.taskId;
    this.topology = topology.processorTopology(options.taskId.subtopology, options.applicationId);
    this.time = options.time ?? SystemTime;
    this.handler = options.processingExceptionHandler ?? 'fail';
    this.streamTime = options.initialStreamTimeMs ?? -1;
    this.log = options.logger ?? (defaultLogger ??= createLogger('task'));
  }

  /** `initStores()` then `initProcessors()`, for owners that restore nothing. */
  async init(): Promise<void> {
    await this.initStores();
    await this.initProcessors();
  }

  async initStores(): Promise<void> {
    this.expectState('created', 'initStores');
    const taskIdText = formatTaskId(this.taskId);
    for (const [name, def] of this.topology.stores) {
      const store = def.builder.build();
      if (store.name !== name)
        throw new TopologyError(`Store builder ${name} built a store named ${store.name}`);
      const changelog = this.changelogOf(name);
      const context: StateStoreContext = {
        applicationId: this.options.applicationId,
        taskId: taskIdText,
        stateDir: this.options.stateDir,
        ...(this.options.storeCacheMaxBytes !== undefined
          ? { cacheMaxBytes: this.options.storeCacheMaxBytes }
          : {}),
        changelog,
        logChange: (key, value, timestamp) => {
          if (changelog === null) return;
          this.options.changelogCollector({ storeName: name, ...changelog, key, value, timestamp });
        },
      };
      await store.init(context);
      this.taskStores.set(name, store);
    }
    this.state = 'stores-ready';
  }

  async initProcessors(): Promise<void> {
    this.expectState('stores-ready', 'initProcessors');
    const services = this.services();
    for (const def of this.topology.nodes) {
      if (def.kind === 'source') {
        this.nodes.set(def.name, new TaskNode(def.name, { process: () => undefined }, [], services));
      } else if (def.kind === 'processor') {
        this.nodes.set(def.name, new TaskNode(def.name, def.supplier(), def.stores, services));
      } else {
        const sink = sinkProcessor(
          def,
          this.topology.resolveTopic,
          this.options.recordCollector,
          () => this.currentMetadata,
        );
        this.nodes.set(def.name, new TaskNode(def.name, sink, [], services));
      }
    }
    for (const [parent, children] of this.topology.children) {
      const node = this.nodes.get(parent) as TaskNode;
      for (const child of children) node.addChild(this.nodes.get(child) as TaskNode);
    }
    // Topological order, as Kafka Streams initialises them.
    for (const def of this.topology.nodes) {
      const node = this.nodes.get(def.name) as TaskNode;
      await node.processor.init?.(node.context);
    }
    this.state = 'running';
  }

  /** The task's own stores (not the global ones), for restoration and interactive reads. */
  stores(): ReadonlyMap<string, StateStore> {
    return this.taskStores;
  }

  /** Changelog topic and partition per logged store, for restoration and commit bookkeeping. */
  changelogPartitions(): Map<string, { topic: string; partition: number }> {
    const result = new Map<string, { topic: string; partition: number }>();
    for (const name of this.topology.stores.keys()) {
      const changelog = this.changelogOf(name);
      if (changelog) result.set(name, changelog);
    }
    return result;
  }

  private changelogOf(name: string): { topic: string; partition: number } | null {
    const def = this.topology.stores.get(name);
    if (!def || !def.builder.loggingEnabled || def.global) return null;
    const topic = this.options.changelogTopic?.(name) ?? changelogTopicName(this.options.applicationId, name);
    return { topic, partition: this.taskId.partition };
  }

  /** Topics (resolved) this task's sources read. */
  sourceTopics(): string[] {
    return [...this.topology.sourceByTopic.keys()];
  }

  streamTimeMs(): number {
    return this.streamTime;
  }

  /**
   * Processes one consumed record. Never throws for bad input: undecodable bytes, invalid
   * timestamps and validation failures go to the dead-letter handler and the call resolves.
   * Rejects (ProcessingError) only when a processor fails and the handler is `fail`; the owner must
   * then abort the transaction.
   */
  async process(input: TaskInputRecord): Promise<void> {
    this.enter('process');
    try {
      const source = this.topology.sourceByTopic.get(input.topic);
      if (!source) {
        throw new TopologyError(
          `Task ${formatTaskId(this.taskId)} has no source for topic ${input.topic}; it reads [${this.sourceTopics().join(', ')}]`,
        );
      }
      const decoded = decode(source, input, this.streamTime);
      if (!decoded.ok) {
        await this.deadLetter(input, decoded.stage, decoded.error);
        return;
      }
      const record = decoded.record;
      if (record.timestamp > this.streamTime) this.streamTime = record.timestamp;
      this.currentMetadata = { topic: input.topic, partition: input.partition, offset: input.offset };
      try {
        const sourceNode = this.nodes.get(source.name) as TaskNode;
        await runAll(
          sourceNode.children.map((child): [TaskNode, AnyRecord] => [child, record]),
          0,
        );
        this.counters.processed++;
      } catch (error) {
        await this.onProcessingError(input, error);
      } finally {
        this.currentMetadata = null;
      }
      await this.firePunctuations(this.streamTimePunctuations, PunctuationType.STREAM_TIME, this.streamTime);
    } finally {
      this.busy = false;
    }
  }

  /** Fires the wall-clock punctuators due at `nowMs`. The owner calls this on its own schedule. */
  async punctuateWallClock(nowMs: number): Promise<void> {
    this.enter('punctuateWallClock');
    try {
      await this.firePunctuations(this.wallClockPunctuations, PunctuationType.WALL_CLOCK_TIME, nowMs);
    } finally {
      this.busy = false;
    }
  }

  /** When the next wall-clock punctuator is due (Infinity: none scheduled). */
  nextWallClockPunctuationMs(): number {
    return this.wallClockPunctuations.nextMs();
  }

  /**
   * Tells the stores which keys the next records carry, so cached stores load them in one read
   * (a store keyed like its input — an aggregation, the saga's order and stock — then reads each
   * from memory). Only a hint: keys that are not read cost a cache entry each.
   */
  async prefetchStores(keys: readonly Buffer[]): Promise<void> {
    if (keys.length < 2) return;
    for (const store of this.taskStores.values()) await store.prefetch?.(keys);
  }

  /**
   * Pushes what the stores' record caches hold down to the changelog collector and the write
   * buffers. Before the task's transaction is sent: the changelog records must be in it.
   */
  async flushStores(): Promise<void> {
    this.expectNotBusy('flushStores');
    for (const store of this.taskStores.values()) await store.flush();
  }

  /**
   * Makes the open store transactions durable, after the Kafka transaction committed.
   * `nextChangelogOffsets`: per logged store, the changelog offset after its last record in that
   * transaction (or after the last one before it, when it wrote nothing). Stores missing get null.
   */
  async commitStores(nextChangelogOffsets: ReadonlyMap<string, bigint | null>): Promise<void> {
    this.expectNotBusy('commitStores');
    for (const [name, store] of this.taskStores) await store.commit(nextChangelogOffsets.get(name) ?? null);
  }

  /** Drops the open store transactions, after the Kafka transaction aborted. */
  async abortStores(): Promise<void> {
    this.expectNotBusy('abortStores');
    for (const store of this.taskStores.values()) await store.abort();
  }

  /** Closes processors (topological order), then stores. Does not commit: commit or abort first. */
  async close(): Promise<void> {
    if (this.state === 'closed') return;
    const errors: unknown[] = [];
    if (this.state === 'running') {
      for (const node of this.nodes.values()) {
        try {
          await node.processor.close?.();
        } catch (error) {
          errors.push(error);
        }
      }
    }
    for (const store of this.taskStores.values()) {
      try {
        if (store.isOpen()) await store.close();
      } catch (error) {
        errors.push(error);
      }
    }
    this.state = 'closed';
    if (errors.length > 0) {
      throw new ProcessingError(
        `Task ${formatTaskId(this.taskId)}: ${errors.length} error(s) while closing`,
        {
          cause: errors[0],
        },
      );
    }
  }

  private async onProcessingError(input: TaskInputRecord, error: unknown): Promise<void> {
    // A dependency that is down for now: the record is processed again later, never dead-lettered.
    const unavailable = unavailableDependency(error);
    if (unavailable) throw unavailable;
    const stage = stageOf(error);
    if (stage === 'process' && this.handler === 'fail') {
      throw new ProcessingError(
        `Task ${formatTaskId(this.taskId)} failed on ${input.topic}-${input.partition}@${input.offset}: ${(error as Error)?.message ?? String(error)}`,
        { cause: error },
      );
    }
    await this.deadLetter(input, stage, error);
  }

  private async deadLetter(input: TaskInputRecord, stage: DeadLetterStage, error: unknown): Promise<void> {
    const record = buildDeadLetterRecord({
      key: input.key,
      value: input.value,
      timestamp: input.timestamp,
      headers: input.headers,
      error,
      stage,
      source: { topic: input.topic, partition: input.partition, offset: input.offset },
      atMs: this.time.nowMs(),
    });
    this.counters.deadLettered++;
    recordDeadLetter(record.reason, stage);
    this.log.warn(
      {
        task: formatTaskId(this.taskId),
        topic: input.topic,
        partition: input.partition,
        offset: String(input.offset),
        stage,
      },
      `dead-lettering record: ${record.reason}`,
    );
    await this.options.deadLetterHandler(record);
  }

  private async firePunctuations(
    queue: PunctuationQueue<TaskNode>,
    type: PunctuationType,
    nowMs: number,
  ): Promise<void> {
    for (const schedule of queue.due(nowMs)) {
      // A punctuator may cancel another one that is due in the same pass.
      if (schedule.cancelled) continue;
      this.counters.punctuations++;
      try {
        await invoke(schedule.node, () => schedule.punctuator(nowMs));
      } catch (error) {
        const unavailable = unavailableDependency(error);
        if (unavailable) throw unavailable;
        if (this.handler === 'fail' && stageOf(error) === 'process') {
          throw new ProcessingError(
            `Task ${formatTaskId(this.taskId)}: ${type} punctuator of ${schedule.node.name} failed: ${(error as Error)?.message ?? String(error)}`,
            { cause: error },
          );
        }
        // No input record to dead-letter: count and log, and keep the schedule.
        this.counters.punctuationErrors++;
        this.log.error(
          { task: formatTaskId(this.taskId), node: schedule.node.name, err: error },
          `${type} punctuator failed`,
        );
      }
    }
  }

  private services(): TaskServices {
    return {
      applicationId: this.options.applicationId,
      taskId: this.taskId,
      store: (node, name) => this.storeFor(node, name),
      schedule: (node, intervalMs, type, punctuator) => this.schedule(node, intervalMs, type, punctuator),
      recordMetadata: () => this.currentMetadata,
      streamTimeMs: () => this.streamTime,
      systemTimeMs: () => this.time.nowMs(),
    };
  }

  private storeFor(node: TaskNode, name: string): StateStore {
    if (node.storeNames.has(name)) {
      const store = this.taskStores.get(name);
      if (store) return store;
    }
    const global = this.options.globalStores?.get(name);
    if (global) return global;
    if (this.topology.globalStores.includes(name)) {
      throw new StateStoreError(`Global store ${name} is not available to task ${formatTaskId(this.taskId)}`);
    }
    throw new TopologyError(
      `Processor ${node.name} has no access to state store ${name}: connect it (KStream.process(supplier, '${name}'))`,
    );
  }

  private schedule(
    node: TaskNode,
    intervalMs: number,
    type: PunctuationType,
    punctuator: Punctuator,
  ): Cancellable {
    if (!Number.isInteger(intervalMs) || intervalMs < 1) {
      throw new TopologyError(
        `${node.name}: punctuation interval must be a positive integer of ms, got ${intervalMs}`,
      );
    }
    if (type === PunctuationType.STREAM_TIME) {
      // Aligned to 0, as in Kafka Streams: fires with the first record.
      return this.streamTimePunctuations.add(node, type, intervalMs, 0, punctuator);
    }
    return this.wallClockPunctuations.add(node, type, intervalMs, this.time.nowMs() + intervalMs, punctuator);
  }

  private enter(operation: string): void {
    this.expectState('running', operation);
    this.expectNotBusy(operation);
    this.busy = true;
  }

  private expectNotBusy(operation: string): void {
    if (this.busy) {
      throw new ProcessingError(
        `Task ${formatTaskId(this.taskId)}: ${operation}() called while another call is running; await each call`,
      );
    }
  }

  private expectState(expected: State, operation: string): void {
    if (this.state !== expected) {
      throw new ProcessingError(
        `Task ${formatTaskId(this.taskId)}: ${operation}() needs state ${expected}, is ${this.state}`,
      );
    }
  }
}
