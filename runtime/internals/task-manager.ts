import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { formatTaskId, type TaskId, type Topology } from '../../topology/index.ts';
import type { StateStore } from '../../state-stores/state-store.ts';
import { TaskProcessor } from '../task/index.ts';
import type { ChangelogRecordOut, DeadLetterRecord, OutgoingRecord } from '../task/index.ts';
import type { StreamsConfig } from '../config.ts';
import type { Logger } from '../logger.ts';
import type { ObservedStore, StreamsMetrics } from '../metrics/streams-metrics.ts';
import { restoreStores } from './restorer.ts';
import type { AdminPort, PartitionReaderPort, TopicPartition } from '../ports/ports.ts';
import { tpKey } from '../ports/ports.ts';

/** Where a task's outputs go while its transaction is open (the stream thread's commit buffer). */
export interface TaskOutputs {
  output(record: OutgoingRecord): void;
  changelog(taskId: string, record: ChangelogRecordOut): void;
  deadLetter(record: DeadLetterRecord): void;
}

export interface ManagedTask {
  readonly id: TaskId;
  readonly name: string;
  readonly processor: TaskProcessor;
  readonly inputs: TopicPartition[];
  state: 'restoring' | 'running';
  /** Per logged store, the changelog offset its checkpoint will name if it writes nothing more. */
  readonly changelogNext: Map<string, bigint>;
  /** Processed or punctuated since the last commit: its stores need `commitStores`. */
  dirty: boolean;
}

/**
 * Owns the tasks of this instance: one per partition of each sub-topology, created when partitions
 * are assigned, restored from changelogs before they process, closed when revoked
 * (ARCHITECTURE.md, principles 1 and 5).
 */
export class TaskManager {
  private readonly tasks = new Map<string, ManagedTask>();
  private readonly subtopologyByTopic = new Map<string, number>();
  private readonly topology: Topology;
  private readonly config: StreamsConfig;
  private readonly outputs: TaskOutputs;
  private readonly ports: { admin: AdminPort; reader: PartitionReaderPort };
  private readonly metrics: StreamsMetrics;
  private readonly log: Logger;
  private readonly globalStores: ReadonlyMap<string, StateStore>;
  /** Warm copies of tasks: closed before an active task opens the same stores (one RocksDB lock). */
  standbys: { release(name: string): Promise<void>; partitions(): number[] } | null = null;

  constructor(options: {
    topology: Topology;
    config: StreamsConfig;
    outputs: TaskOutputs;
    ports: { admin: AdminPort; reader: PartitionReaderPort };
    metrics: StreamsMetrics;
    log: Logger;
    /** The global stores (kept by the GlobalStateMaintainer), readable by every task's processors. */
    globalStores?: ReadonlyMap<string, StateStore>;
  }) {
    this.globalStores = options.globalStores ?? new Map();
    this.topology = options.topology;
    this.config = options.config;
    this.outputs = options.outputs;
    this.ports = options.ports;
    this.metrics = options.metrics;
    this.log = options.log;
    for (const sub of this.topology.subtopologies(this.config.applicationId)) {
      if (sub.global) continue;
      for (const topic of sub.sourceTopics) this.subtopologyByTopic.set(topic, sub.id);
    }
    this.metrics.observeStores(() => this.observedStores());
  }

  /** The open stores that count their operations, per task (see StreamsMetrics.storeOperations). */
  private observedStores(): ObservedStore[] {
    return this.all().flatMap((task) =>
      [...task.processor.stores()].flatMap(([store, instance]) => {
        const counts = instance.isOpen() ? instance.operationCounts?.() : undefined;
        return counts ? [{ taskId: task.name, store, counts }] : [];
      }),
    );
  }

  all(): ManagedTask[] {
    return [...this.tasks.values()];
  }

  running(): ManagedTask[] {
    return this.all().filter((t) => t.state === 'running');
  }

  restoring(): ManagedTask[] {
    return this.all().filter((t) => t.state === 'restoring');
  }

  /** The running task that consumes `topic`/`partition`, if this instance owns it. */
  taskFor(topic: string, partition: number): ManagedTask | undefined {
    const sub = this.subtopologyByTopic.get(topic);
    if (sub === undefined) return undefined;
    return this.tasks.get(formatTaskId({ subtopology: sub, partition }));
  }

  /** The task ids the given partitions make up (co-partitioned sources share one task). */
  taskIdsOf(partitions: readonly TopicPartition[]): Map<string, { id: TaskId; inputs: TopicPartition[] }> {
    const ids = new Map<string, { id: TaskId; inputs: TopicPartition[] }>();
    for (const tp of partitions) {
      const sub = this.subtopologyByTopic.get(tp.topic);
      if (sub === undefined) continue;
      const id = { subtopology: sub, partition: tp.partition };
      const name = formatTaskId(id);
      const entry = ids.get(name) ?? { id, inputs: [] };
      entry.inputs.push(tp);
      ids.set(name, entry);
    }
    return ids;
  }

  /** Creates (stores opened, not yet restored) the tasks of newly assigned partitions. */
  async createTasks(partitions: readonly TopicPartition[]): Promise<ManagedTask[]> {
    const created: ManagedTask[] = [];
    for (const [name, { id, inputs }] of this.taskIdsOf(partitions)) {
      const existing = this.tasks.get(name);
      if (existing) {
        for (const tp of inputs)
          if (!existing.inputs.some((i) => tpKey(i) === tpKey(tp))) existing.inputs.push(tp);
        continue;
      }
      await this.standbys?.release(name);
      const processor = this.createProcessor(id, name);
      await processor.initStores();
      const task: ManagedTask = {
        id,
        name,
        processor,
        inputs: [...inputs],
        state: 'restoring',
        changelogNext: new Map(),
        dirty: false,
      };
      this.tasks.set(name, task);
      created.push(task);
    }
    this.metrics.activeTasks.set(this.tasks.size);
    return created;
  }

  /** Replays the task's changelogs, then starts its processors. */
  async restore(task: ManagedTask): Promise<void> {
    const stores: { store: StateStore; changelog: TopicPartition }[] = [];
    const storeMap = task.processor.stores();
    for (const [name, changelog] of task.processor.changelogPartitions()) {
      const store = storeMap.get(name);
      if (store) stores.push({ store, changelog });
    }
    const restoredTo = await restoreStores(task.id, stores, this.ports, this.metrics, this.log);
    for (const [store, offset] of restoredTo) task.changelogNext.set(store, offset);
    await task.processor.initProcessors();
    task.state = 'running';
  }

  /**
   * Closes tasks. Clean close: their transaction committed, stores just close. Dirty close (after an
   * abort or a failure): the write buffers are dropped first, so nothing uncommitted reaches RocksDB.
   */
  async close(names: readonly string[], clean: boolean): Promise<void> {
    for (const name of names) {
      const task = this.tasks.get(name);
      if (!task) continue;
      this.tasks.delete(name);
      try {
        if (!clean) await task.processor.abortStores();
        await task.processor.close();
      } catch (error) {
        this.log.error({ task: name, err: error }, 'error while closing task');
      }
    }
    this.metrics.activeTasks.set(this.tasks.size);
  }

  async closeAll(clean: boolean): Promise<void> {
    await this.close([...this.tasks.keys()], clean);
  }

  /**
   * Task partitions whose state is on this instance's disk: running tasks, and the directories
   * tasks left behind (their stores restore only what they missed if the task comes back).
   */
  localStatePartitions(): number[] {
    const partitions = new Set([
      ...this.all().map((t) => t.id.partition),
      ...(this.standbys?.partitions() ?? []),
    ]);
    let names: string[] = [];
    try {
      names = readdirSync(join(this.config.stateDir, this.config.applicationId));
    } catch {
      // No state directory yet: nothing on disk.
    }
    for (const name of names) {
      const match = /^\d+_(\d+)$/.exec(name);
      if (match) partitions.add(Number(match[1]));
    }
    return [...partitions].sort((a, b) => a - b);
  }

  /** Task names owning any of `partitions`. */
  namesOf(partitions: readonly TopicPartition[]): string[] {
    return [...this.taskIdsOf(partitions).keys()].filter((name) => this.tasks.has(name));
  }

  /** The local instance of a store for the task of `partition` (interactive queries). */
  localStore(storeName: string, partition: number): StateStore | undefined {
    for (const task of this.tasks.values()) {
      if (task.id.partition !== partition || task.state !== 'running') continue;
      const store = task.processor.stores().get(storeName);
      if (store) return store;
    }
    return undefined;
  }

  /** Whether this instance has the task holding `storeName` for `partition`, still restoring. */
  restoringStore(storeName: string, partition: number): boolean {
    for (const task of this.tasks.values())
      if (
        task.id.partition === partition &&
        task.state === 'restoring' &&
        task.processor.stores().has(storeName)
      )
        return true;
    return false;
  }

  /** Every running local instance of a store. */
  localStores(storeName: string): StateStore[] {
    return this.running()
      .map((t) => t.processor.stores().get(storeName))
      .filter((s): s is StateStore => s !== undefined);
  }

  /** Whether this instance runs the task `name` (active). */
  isActive(name: string): boolean {
    return this.tasks.has(name);
  }

  /** A task's processor with its state under this instance's state directory (active or standby). */
  createProcessor(id: TaskId, name: string): TaskProcessor {
    return new TaskProcessor(this.topology, {
      applicationId: this.config.applicationId,
      taskId: id,
      stateDir: join(this.config.stateDir, this.config.applicationId, name),
      storeCacheMaxBytes: this.config.storeCacheMaxBytes,
      recordCollector: { send: (record) => this.outputs.output(record) },
      changelogCollector: (record) => this.outputs.changelog(name, record),
      // Counted when handed to the commit: a transaction that aborts replays (and counts) it again.
      deadLetterHandler: (record) => {
        this.metrics.deadLettered.inc({ stage: record.stage });
        this.outputs.deadLetter(record);
      },
      processingExceptionHandler: this.config.processingExceptionHandling,
      globalStores: this.globalStores,
      logger: this.log.child({ task: name }),
    });
  }
}
