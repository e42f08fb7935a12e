import { TopologyError, type Topology } from '../../topology/index.ts';
import type { StateStore } from '../../state-stores/state-store.ts';
import { TaskProcessor, type DeadLetterRecord } from '../task/index.ts';
import type { StreamsConfig } from '../config.ts';
import type { Logger } from '../logger.ts';
import type { StreamsMetrics } from '../metrics/streams-metrics.ts';
import type { AdminPort, ConsumedRecord, ProducedRecord, ProducerPort } from '../ports/ports.ts';

/** What the global tasks need from Kafka: dead letters go out on a producer of their own. */
export interface GlobalTaskPorts {
  readonly admin: AdminPort;
  /** Idempotent, not transactional: the global stores are not part of any stream task's transaction. */
  readonly deadLetters: ProducerPort;
  partitionFor(key: Buffer, partitions: number): number;
}

/**
 * The processors of the global sub-topologies, one TaskProcessor each (partition 0, as the
 * TopologyTestDriver runs them): the same task core and wiring the stream tasks and the test
 * driver use, so a global record is decoded, timestamped, dead-lettered and stored by the same
 * rules everywhere. Records of every source partition go through it; their writes become durable
 * at `commit()`.
 */
export class GlobalTasks {
  /** Every global store by name, shared with the stream tasks (they read it in joins). */
  readonly stores = new Map<string, StateStore>();
  private readonly byTopic = new Map<string, TaskProcessor>();
  private readonly processors: TaskProcessor[] = [];
  private readonly ports: GlobalTaskPorts;
  private readonly config: StreamsConfig;
  private readonly metrics: StreamsMetrics;
  private pendingDeadLetters: DeadLetterRecord[] = [];
  private deadLetterPartitions: number | null = null;
  private roundRobin = 0;

  constructor(
    topology: Topology,
    options: {
      config: StreamsConfig;
      stateDir: string;
      ports: GlobalTaskPorts;
      metrics: StreamsMetrics;
      log: Logger;
    },
  ) {
    this.ports = options.ports;
    this.config = options.config;
    this.metrics = options.metrics;
    for (const sub of topology.subtopologies(this.config.applicationId)) {
      if (!sub.global) continue;
      const processor = new TaskProcessor(topology, {
        applicationId: this.config.applicationId,
        taskId: { subtopology: sub.id, partition: 0 },
        stateDir: options.stateDir,
        storeCacheMaxBytes: this.config.storeCacheMaxBytes,
        recordCollector: {
          send: (record) => {
            throw new TopologyError(`A global sub-topology cannot write to a topic (${record.topic})`);
          },
        },
        // The source topic is the global stores' changelog: they log nothing.
        changelogCollector: () => undefined,
        deadLetterHandler: (record) => {
          this.pendingDeadLetters.push(record);
        },
        processingExceptionHandler: this.config.processingExceptionHandling,
        globalStores: this.stores,
        logger: options.log,
      });
      this.processors.push(processor);
      for (const topic of sub.sourceTopics) this.byTopic.set(topic, processor);
    }
  }

  topics(): string[] {
    return [...this.byTopic.keys()];
  }

  /** Whether every global store keeps its data on disk (otherwise a checkpoint means nothing). */
  persistent(): boolean {
    return [...this.stores.values()].every((s) => s.persistent);
  }

  async open(): Promise<void> {
    for (const processor of this.processors) {
      await processor.init();
      for (const [name, store] of processor.stores()) this.stores.set(name, store);
    }
  }

  /** The store names fed by `topic`. */
  storesOf(topic: string): string[] {
    return [...(this.byTopic.get(topic)?.stores().keys() ?? [])];
  }

  /** Runs records of one partition through their global processors (not durable until `commit`). */
  async process(records: readonly ConsumedRecord[]): Promise<void> {
    for (const record of records) {
      const processor = this.byTopic.get(record.topic);
      if (!processor) throw new TopologyError(`No global store reads topic ${record.topic}`);
      await processor.process(record);
    }
  }

  /**
   * Sends the batch's dead letters, then makes the stores' writes durable. The dead letters go
   * first: a record whose position is committed must have reached the dead-letter topic (a failed
   * send leaves the position where it was, and the record is read and dead-lettered again).
   */
  async commit(): Promise<void> {
    if (this.pendingDeadLetters.length > 0) {
      const records = this.pendingDeadLetters;
      await this.ports.deadLetters.send(await this.deadLetterRecords(records));
      this.pendingDeadLetters = [];
      for (const record of records) this.metrics.deadLettered.inc({ stage: record.stage });
    }
    for (const processor of this.processors) {
      await processor.flushStores();
      await processor.commitStores(new Map());
    }
  }

  /** Drops what was processed since the last commit (a failed batch is read again). */
  async abort(): Promise<void> {
    this.pendingDeadLetters = [];
    for (const processor of this.processors) await processor.abortStores();
  }

  /** Empties every global store: the next reads bootstrap it from the beginning. `metricReason`: a fixed label, or null not to count it. */
  async wipe(metricReason: string | null): Promise<void> {
    for (const [name, store] of this.stores) {
      await store.wipe();
      if (metricReason !== null) this.metrics.storeWipes.inc({ store: name, reason: metricReason });
    }
  }

  async close(): Promise<void> {
    for (const processor of this.processors) {
      await processor.abortStores().catch(() => undefined);
      await processor.close();
    }
  }

  private async deadLetterRecords(records: readonly DeadLetterRecord[]): Promise<ProducedRecord[]> {
    const topic = this.config.deadLetterTopic;
    if (this.deadLetterPartitions === null) {
      const counts = await this.ports.admin.partitionCounts([topic], 'WRITE');
      const count = counts.get(topic);
      if (count === undefined) throw new TopologyError(`The dead-letter topic ${topic} does not exist`);
      this.deadLetterPartitions = count;
    }
    const partitions = this.deadLetterPartitions;
    return records.map((record) => ({
      topic,
      partition:
        record.key !== null && record.key.length > 0
          ? this.ports.partitionFor(record.key, partitions)
          : this.roundRobin++ % partitions,
      key: record.key,
      value: record.value,
      timestamp: record.timestamp,
      headers: record.headers,
    }));
  }
}
