import { ProducerFencedError } from '../../engine-common/errors.ts';
import type { StreamsConfig } from '../config.ts';
import type { Logger } from '../logger.ts';
import type { StreamsMetrics } from '../metrics/streams-metrics.ts';
import type { OutgoingRecord } from '../task/index.ts';
import type { CommitBuffer } from './commit-buffer.ts';
import type {
  AdminPort,
  GroupConsumerPort,
  KafkaPorts,
  ProducedRecord,
  ProducerPort,
} from '../ports/ports.ts';
import { tpKey } from '../ports/ports.ts';
import type { TaskManager } from './task-manager.ts';

/**
 * The one place where a unit of work becomes durable (ARCHITECTURE.md, principles 2–4).
 *
 * exactly_once_v2: outputs, changelog records, dead-letter records and the consumed offsets go in
 * one Kafka transaction fenced with the group generation (KIP-447); only after it committed are
 * the tasks' store write buffers applied to RocksDB together with the new changelog checkpoints.
 * at_least_once: the records are produced, then the offsets committed, then the stores.
 */
export class Committer {
  private readonly buffer: CommitBuffer;
  private readonly tasks: TaskManager;
  private readonly ports: KafkaPorts;
  private readonly config: StreamsConfig;
  private readonly metrics: StreamsMetrics;
  private readonly log: Logger;
  private readonly partitionCounts = new Map<string, number>();
  private roundRobin = 0;

  constructor(options: {
    buffer: CommitBuffer;
    tasks: TaskManager;
    ports: KafkaPorts;
    config: StreamsConfig;
    metrics: StreamsMetrics;
    log: Logger;
    knownPartitionCounts: ReadonlyMap<string, number>;
  }) {
    this.buffer = options.buffer;
    this.tasks = options.tasks;
    this.ports = options.ports;
    this.config = options.config;
    this.metrics = options.metrics;
    this.log = options.log;
    for (const [topic, count] of options.knownPartitionCounts) this.partitionCounts.set(topic, count);
  }

  /** True when there is something to commit (records, offsets, or store writes of dirty tasks). */
  hasWork(): boolean {
    return !this.buffer.isEmpty() || this.tasks.running().some((t) => t.dirty);
  }

  /** Commits the open unit of work; returns false when there was nothing to commit. */
  async commit(): Promise<boolean> {
    if (!this.hasWork()) return false;
    try {
      return await this.commitDrained();
    } catch (error) {
      // The unit of work is lost: its store writes must never reach RocksDB, whoever commits next
      // (a rebalance listener may, before the thread has rebuilt its tasks).
      for (const task of this.tasks.all()) {
        await task.processor.abortStores().catch(() => undefined);
        task.dirty = false;
      }
      throw error;
    }
  }

  private async commitDrained(): Promise<boolean> {
    const started = performance.now();
    // Record caches hold the latest writes of dirty tasks: they go into this transaction.
    for (const task of this.tasks.running()) if (task.dirty) await task.processor.flushStores();
    const { outputs, changelogs, offsets } = this.buffer.drain();
    const produced = await this.partitioned(outputs);
    const records: ProducedRecord[] = [...produced, ...changelogs.map((c) => c.record)];
    const producer: ProducerPort = this.ports.producer;
    const consumer: GroupConsumerPort = this.ports.consumer;
    let lastOffsets = new Map<string, bigint>();
    if (records.length === 0 && offsets.length === 0) {
      // Nothing for Kafka (a punctuator ran and wrote nothing): an empty transaction is an
      // error to the broker (INVALID_TXN_STATE), so only the stores' buffers are settled below.
    } else if (producer.transactional) {
      await producer.begin();
      try {
        // The records and the offsets go to different brokers' roles (partition leaders, the group
        // coordinator) and both only have to be in before EndTxn: send them side by side, as the
        // Java producer pipelines sendOffsetsToTransaction, instead of one round trip after the other.
        const [sent, offsetsAdded] = await Promise.allSettled([
          records.length > 0 ? producer.send(records) : Promise.resolve(new Map<string, bigint>()),
          offsets.length > 0
            ? producer.sendOffsets(offsets, consumer.groupMetadata(offsets), () =>
                consumer.groupMetadataAfterRebalance(offsets),
              )
            : Promise.resolve(),
        ]);
        if (sent.status === 'rejected') throw sent.reason;
        if (offsetsAdded.status === 'rejected') throw offsetsAdded.reason;
        lastOffsets = sent.value;
        await producer.commit();
      } catch (error) {
        // A fenced producer learns it here: its sends are refused with INVALID_PRODUCER_EPOCH, which
        // alone asks for a new producer, but the coordinator answers its abort PRODUCER_FENCED.
        // That must win: the thread counts fencings and stops when another instance keeps fencing it.
        const fenced = await this.abortQuietly(producer);
        throw fenced ?? error;
      }
    } else {
      if (records.length > 0) lastOffsets = await producer.send(records);
      if (offsets.length > 0) await consumer.commit(offsets);
    }
    const committedAt = Date.now();

    // Kafka has the transaction: now the stores may catch up (principle 4).
    const touched = new Set(changelogs.map((c) => c.task));
    const byName = new Map(this.tasks.all().map((t) => [t.name, t]));
    for (const change of changelogs) {
      const last = lastOffsets.get(tpKey(change.record));
      if (last !== undefined) byName.get(change.task)?.changelogNext.set(change.store, last + 1n);
    }
    for (const task of this.tasks.running()) {
      if (!task.dirty && !touched.has(task.name)) continue;
      await task.processor.commitStores(task.changelogNext);
      task.dirty = false;
    }

    for (const record of produced) {
      this.metrics.endToEndLatency.observe(
        { topic: record.topic },
        Math.max(0, committedAt - record.timestamp) / 1000,
      );
      this.metrics.produced.inc({ topic: record.topic });
    }
    this.metrics.commits.inc({ outcome: 'committed' });
    this.metrics.commitLatency.observe((performance.now() - started) / 1000);
    return true;
  }

  /** Chooses partitions like Kafka's default partitioner, so Java producers and we agree on keys. */
  private async partitioned(records: readonly OutgoingRecord[]): Promise<ProducedRecord[]> {
    const unknown = [...new Set(records.map((r) => r.topic))].filter((t) => !this.partitionCounts.has(t));
    if (unknown.length > 0) await this.learnPartitionCounts(unknown, this.ports.admin);
    return records.map((record) => {
      const count = this.partitionCounts.get(record.topic) as number;
      const partition =
        record.partition ??
        (record.key !== null && record.key.length > 0
          ? this.ports.partitionFor(record.key, count)
          : this.roundRobin++ % count);
      return {
        topic: record.topic,
        partition,
        key: record.key,
        value: record.value,
        timestamp: record.timestamp,
        headers: record.headers,
      };
    });
  }

  private async learnPartitionCounts(topics: string[], admin: AdminPort): Promise<void> {
    const counts = await admin.partitionCounts(topics);
    const missing = topics.filter((t) => !counts.has(t));
    if (missing.length > 0) {
      // Output topics are the application's to create: writing to a missing one would fail the
      // transaction forever, so say exactly which.
      throw new Error(`Output topic(s) ${missing.join(', ')} do not exist; create them before starting`);
    }
    for (const [topic, count] of counts) this.partitionCounts.set(topic, count);
  }

  /** Aborts after a failure; returns the fencing error if the coordinator says we are fenced. */
  private async abortQuietly(producer: ProducerPort): Promise<ProducerFencedError | null> {
    try {
      await producer.abort();
      this.metrics.commits.inc({ outcome: 'aborted' });
    } catch (error) {
      if (error instanceof ProducerFencedError) return error;
      this.log.warn({ err: error }, 'abort after a failed commit failed too');
    }
    return null;
  }

  /** Used by the thread before it starts: learn sink topics up front so a missing one fails at start. */
  async checkOutputTopics(topics: readonly string[]): Promise<void> {
    const unknown = topics.filter((t) => !this.partitionCounts.has(t));
    if (unknown.length > 0) await this.learnPartitionCounts(unknown, this.ports.admin);
  }
}
