import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { KeyValueStore, StateStore } from '../state-stores/state-store.ts';
import { TopologyError, formatTaskId, type Headers, type Serde, type Topology } from '../topology/index.ts';
import {
  DEAD_LETTER_TOPIC,
  TaskProcessor,
  type ChangelogRecordOut,
  type DeadLetterRecord,
  type OutgoingRecord,
  type ProcessingExceptionHandler,
  type TaskInputRecord,
  type Time,
} from '../runtime/task/index.ts';
import type { Logger } from '../runtime/logger.ts';
import { TestInputTopic, type InputSink } from './test-input-topic.ts';
import { TestOutputTopic } from './test-output-topic.ts';

export interface TopologyTestDriverConfig {
  readonly applicationId: string;
  /** Default: a fresh temporary directory, deleted by `close()`. */
  readonly stateDir?: string;
  /** Start of the mocked wall clock (epoch ms). Default 0, so runs are reproducible. */
  readonly initialWallClockMs?: number;
  /** Default `fail`: a processor error rejects `pipeInput`. */
  readonly processingExceptionHandler?: ProcessingExceptionHandler;
  /** Default `dead-letter`. */
  readonly deadLetterTopic?: string;
  /** Default: the engine's logger (LOG_LEVEL, `warn` under jest); pass `pino({ level: 'silent' })` to mute dead-letter warnings. */
  readonly logger?: Logger;
}

interface DriverTask {
  readonly task: TaskProcessor;
  readonly global: boolean;
}

/**
 * Runs a topology in-process, deterministically, without a broker: Kafka Streams'
 * `TopologyTestDriver`, on the same task core the runtime uses. One task per sub-topology
 * (partition 0); records written to a topic the topology reads (repartition topics, or `to()` a
 * topic that is also a source) are fed back in FIFO order; stores are committed after every
 * processed record and every punctuation, as Kafka Streams' driver does. Wall-clock time is mocked
 * and only moves with `advanceWallClockTime`.
 *
 * ```ts
 * const driver = new TopologyTestDriver(builder.build(), { applicationId: 'app' });
 * const input = driver.createInputTopic('orders', Serdes.String(), orderSerde);
 * const output = driver.createOutputTopic('order-totals', Serdes.String(), Serdes.Long());
 * await input.pipeInput('o-1', order, 1000);
 * expect(output.readKeyValue()).toEqual({ key: 'o-1', value: 3998 });
 * await driver.close();
 * ```
 */
export class TopologyTestDriver implements InputSink {
  private readonly topology: Topology;
  private readonly config: TopologyTestDriverConfig;
  private readonly stateDir: string;
  private readonly ownsStateDir: boolean;
  private wallClockMs: number;
  private readonly time: Time = { nowMs: () => this.wallClockMs };
  private readonly tasks: DriverTask[] = [];
  private readonly taskByTopic = new Map<string, TaskProcessor>();
  private readonly globalStores = new Map<string, StateStore>();
  private readonly outputQueues = new Map<string, OutgoingRecord[]>();
  private readonly producedTopics = new Set<string>();
  private readonly changelogs = new Map<string, ChangelogRecordOut[]>();
  private readonly deadLetters: DeadLetterRecord[] = [];
  private readonly nextOffsets = new Map<string, bigint>();
  private readonly pending: { task: TaskProcessor; record: TaskInputRecord }[] = [];
  private readonly ready: Promise<void>;
  private closed = false;

  constructor(topology: Topology, config: TopologyTestDriverConfig) {
    this.topology = topology;
    this.config = config;
    this.wallClockMs = config.initialWallClockMs ?? 0;
    this.ownsStateDir = config.stateDir === undefined;
    this.stateDir = config.stateDir ?? mkdtempSync(join(tmpdir(), 'topology-test-driver-'));
    this.ready = this.init();
    // Surfaced by the first call that awaits `ready`; this only keeps Node from reporting it twice.
    this.ready.catch(() => undefined);
  }

  createInputTopic<K, V>(
    name: string,
    keySerde: Serde<K>,
    valueSerde: Serde<V>,
    options: { startTimestampMs?: number; autoAdvanceMs?: number } = {},
  ): TestInputTopic<K, V> {
    return new TestInputTopic(
      this,
      name,
      keySerde,
      valueSerde,
      options.startTimestampMs ?? this.wallClockMs,
      options.autoAdvanceMs ?? 0,
    );
  }

  createOutputTopic<K, V>(name: string, keySerde: Serde<K>, valueSerde: Serde<V>): TestOutputTopic<K, V> {
    return new TestOutputTopic(name, this.queueOf(name), keySerde, valueSerde);
  }

  /** Moves the mocked wall clock, fires due WALL_CLOCK_TIME punctuators, and processes what they caused. */
  async advanceWallClockTime(ms: number): Promise<void> {
    await this.ready;
    this.checkOpen();
    this.wallClockMs += ms;
    for (const { task } of this.tasks) {
      await this.guard(task, () => task.punctuateWallClock(this.wallClockMs));
      await this.commit(task);
    }
    await this.drain();
  }

  /** Current mocked wall-clock time. */
  wallClockTimeMs(): number {
    return this.wallClockMs;
  }

  /** A key-value store by name, task or global; reads see every write (all are committed after each record). */
  async getKeyValueStore<K, V>(name: string): Promise<KeyValueStore<K, V>> {
    return (await this.getStateStore(name)) as KeyValueStore<K, V>;
  }

  async getStateStore(name: string): Promise<StateStore> {
    await this.ready;
    const global = this.globalStores.get(name);
    if (global) return global;
    for (const { task } of this.tasks) {
      const store = task.stores().get(name);
      if (store) return store;
    }
    const known = [
      ...this.globalStores.keys(),
      ...this.tasks.flatMap(({ task }) => [...task.stores().keys()]),
    ];
    throw new TopologyError(`No state store ${name}; the topology has [${known.join(', ')}]`);
  }

  /** Every record sent to the dead-letter topic so far, with its reason and stage. */
  deadLetterRecords(): readonly DeadLetterRecord[] {
    return this.deadLetters;
  }

  /** Changelog records written so far to a changelog topic (`<application.id>-<store>-changelog`). */
  changelogRecords(topic: string): readonly ChangelogRecordOut[] {
    return this.changelogs.get(topic) ?? [];
  }

  /** Topics the topology wrote to so far (outputs, repartition topics, the dead-letter topic). */
  producedTopicNames(): string[] {
    return [...this.producedTopics];
  }

  /** @internal Called by TestInputTopic. */
  async pipe(
    topic: string,
    key: Buffer | null,
    value: Buffer | null,
    timestamp: number,
    headers: Headers,
  ): Promise<void> {
    await this.ready;
    this.checkOpen();
    if (!this.taskByTopic.has(topic)) {
      throw new TopologyError(
        `Unknown topic ${topic}: the topology reads [${[...this.taskByTopic.keys()].join(', ')}]`,
      );
    }
    this.enqueue(topic, key, value, timestamp, headers);
    await this.drain();
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    try {
      await this.ready;
    } catch {
      // Initialisation failed: close whatever was opened.
    }
    // Stream tasks first: they read the global stores.
    for (const { task } of [...this.tasks].reverse()) await task.close();
    if (this.ownsStateDir) rmSync(this.stateDir, { recursive: true, force: true });
  }

  private async init(): Promise<void> {
    const subtopologies = this.topology.subtopologies(this.config.applicationId);
    // Global stores first: stream tasks get them when they are created.
    const ordered = [...subtopologies.filter((s) => s.global), ...subtopologies.filter((s) => !s.global)];
    for (const sub of ordered) {
      const taskId = { subtopology: sub.id, partition: 0 };
      const taskDir = join(
        this.stateDir,
        this.config.applicationId,
        sub.global ? 'global' : formatTaskId(taskId),
      );
      mkdirSync(taskDir, { recursive: true });
      const task = new TaskProcessor(this.topology, {
        applicationId: this.config.applicationId,
        taskId,
        stateDir: taskDir,
        time: this.time,
        globalStores: this.globalStores,
        processingExceptionHandler: this.config.processingExceptionHandler ?? 'fail',
        recordCollector: { send: (record) => this.collect(record) },
        changelogCollector: (record) => this.logChange(record),
        deadLetterHandler: (record) => this.onDeadLetter(record),
        ...(this.config.logger ? { logger: this.config.logger } : {}),
      });
      this.tasks.push({ task, global: sub.global });
      await task.init();
      if (sub.global) for (const [name, store] of task.stores()) this.globalStores.set(name, store);
      for (const topic of task.sourceTopics()) this.taskByTopic.set(topic, task);
    }
  }

  private collect(record: OutgoingRecord): void {
    this.producedTopics.add(record.topic);
    this.queueOf(record.topic).push(record);
    if (this.taskByTopic.has(record.topic)) {
      this.enqueue(record.topic, record.key, record.value, record.timestamp, record.headers);
    }
  }

  private logChange(record: ChangelogRecordOut): void {
    const log = this.changelogs.get(record.topic) ?? [];
    log.push(record);
    this.changelogs.set(record.topic, log);
  }

  private onDeadLetter(record: DeadLetterRecord): void {
    this.deadLetters.push(record);
    this.producedTopics.add(this.config.deadLetterTopic ?? DEAD_LETTER_TOPIC);
    this.queueOf(this.config.deadLetterTopic ?? DEAD_LETTER_TOPIC).push({
      topic: this.config.deadLetterTopic ?? DEAD_LETTER_TOPIC,
      key: record.key,
      value: record.value,
      timestamp: record.timestamp,
      headers: record.headers,
    });
  }

  private enqueue(
    topic: string,
    key: Buffer | null,
    value: Buffer | null,
    timestamp: number,
    headers: Headers,
  ): void {
    const offset = this.nextOffsets.get(topic) ?? 0n;
    this.nextOffsets.set(topic, offset + 1n);
    const task = this.taskByTopic.get(topic) as TaskProcessor;
    this.pending.push({ task, record: { topic, partition: 0, offset, key, value, timestamp, headers } });
  }

  /** Processes queued records in FIFO order, committing after each. */
  private async drain(): Promise<void> {
    while (this.pending.length > 0) {
      const { task, record } = this.pending.shift() as { task: TaskProcessor; record: TaskInputRecord };
      await this.guard(task, () => task.process(record));
      await this.commit(task);
    }
  }

  /** On a failure the open store transactions are aborted and the queue dropped, as an aborted Kafka transaction would. */
  private async guard(task: TaskProcessor, call: () => Promise<void>): Promise<void> {
    try {
      await call();
    } catch (error) {
      this.pending.length = 0;
      await task.abortStores();
      throw error;
    }
  }

  private async commit(task: TaskProcessor): Promise<void> {
    await task.flushStores();
    const offsets = new Map<string, bigint | null>();
    for (const [store, { topic }] of task.changelogPartitions()) {
      offsets.set(store, BigInt(this.changelogs.get(topic)?.length ?? 0));
    }
    await task.commitStores(offsets);
  }

  private queueOf(topic: string): OutgoingRecord[] {
    let queue = this.outputQueues.get(topic);
    if (!queue) {
      queue = [];
      this.outputQueues.set(topic, queue);
    }
    return queue;
  }

  private checkOpen(): void {
    if (this.closed) throw new TopologyError('TopologyTestDriver is closed');
  }
}
