import { resolveStreamsConfig } from './config.ts';
import { createKafkaPorts } from './internals/kafka-binding.ts';
import type { ConsumedRecord, KafkaPorts } from './ports/ports.ts';
import { tpKey } from './ports/ports.ts';
import { createLogger } from './logger.ts';
import type { KafkaSecurity } from './security.ts';

export type { ConsumedRecord };

export interface TopicSpec {
  name: string;
  partitions: number;
  /** Copies of each partition (default 1; 3 on a replicated cluster, where min.insync.replicas is 2). */
  replicationFactor?: number;
  configs?: Record<string, string>;
}

/**
 * Plain Kafka access for applications and tools next to their StreamsApp: create topics, produce
 * keyed records (idempotent producer, Kafka's default partitioner), and read committed records
 * incrementally. Built on the same door as the runtime.
 */
export class KafkaClient {
  private readonly ports: KafkaPorts;
  private readonly positions = new Map<string, bigint>();
  /** Partition counts do not change under us (the pipeline never adds partitions): ask once per topic. */
  private readonly partitionCounts = new Map<string, number>();

  private constructor(ports: KafkaPorts) {
    this.ports = ports;
  }

  static async connect(options: {
    bootstrapServers: string[];
    clientId: string;
    /** PLAINTEXT when absent or null. */
    security?: KafkaSecurity | null;
  }): Promise<KafkaClient> {
    const config = resolveStreamsConfig({
      applicationId: options.clientId,
      bootstrapServers: options.bootstrapServers,
      security: options.security ?? null,
      processingGuarantee: 'at_least_once',
    });
    return new KafkaClient(await createKafkaPorts(config, createLogger('kafka-client')));
  }

  /**
   * Idempotent: existing topics with the same partition count are kept. Returns once every topic
   * is visible in the metadata (a produce right after creation must not find it missing).
   */
  async createTopics(topics: readonly TopicSpec[]): Promise<void> {
    await this.ports.admin.createTopics(
      topics.map((t) => ({
        name: t.name,
        partitions: t.partitions,
        replicationFactor: t.replicationFactor ?? 1,
        configs: t.configs ?? {},
      })),
    );
    const names = topics.map((t) => t.name);
    for (let attempt = 0; attempt < 100; attempt++) {
      const counts = await this.ports.admin.partitionCounts(names);
      if (names.every((n) => counts.has(n))) return;
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  /** `intent`: what the caller means to do, named if the broker hides the topic from our principal. */
  async partitionCount(
    topic: string,
    intent: 'DESCRIBE' | 'WRITE' = 'DESCRIBE',
  ): Promise<number | undefined> {
    const known = this.partitionCounts.get(topic);
    if (known !== undefined) return known;
    const count = (await this.ports.admin.partitionCounts([topic], intent)).get(topic);
    if (count !== undefined) this.partitionCounts.set(topic, count);
    return count;
  }

  /** Keyed records go where Kafka's default partitioner puts them (murmur2); unkeyed ones round-robin. */
  async produce(
    topic: string,
    records: readonly {
      key: string | Buffer | null;
      value: Buffer | string | null;
      timestamp?: number;
      /** e.g. `traceparent`, so the record continues the caller's trace. */
      headers?: ReadonlyMap<string, Buffer>;
    }[],
  ): Promise<void> {
    const partitions = await this.partitionCount(topic, 'WRITE');
    if (partitions === undefined) throw new Error(`Topic ${topic} does not exist`);
    let next = 0;
    await this.ports.producer.send(
      records.map((r) => {
        const key = r.key === null ? null : typeof r.key === 'string' ? Buffer.from(r.key) : r.key;
        return {
          topic,
          partition: key ? this.ports.partitionFor(key, partitions) : next++ % partitions,
          key,
          value: typeof r.value === 'string' ? Buffer.from(r.value) : r.value,
          timestamp: r.timestamp ?? Date.now(),
          headers: new Map(r.headers ?? []),
        };
      }),
    );
  }

  /** The last stable offset of each partition of `topic` (read_committed end), by partition number. */
  async endOffsetsOf(topic: string): Promise<Map<number, bigint>> {
    const count = await this.partitionCount(topic);
    if (count === undefined) throw new Error(`Topic ${topic} does not exist`);
    const partitions = Array.from({ length: count }, (_, partition) => ({ topic, partition }));
    const ends = await this.ports.admin.endOffsets(partitions);
    return new Map(partitions.map((tp) => [tp.partition, ends.get(tpKey(tp)) ?? 0n]));
  }

  /** Committed records written since the previous call for this topic (from the beginning on the first). */
  async readNew(topic: string): Promise<ConsumedRecord[]> {
    return this.read(topic, (key) => this.positions.get(key) ?? 0n);
  }

  /** Every committed record of the topic, partition by partition, up to its current end. */
  async readAll(topic: string): Promise<ConsumedRecord[]> {
    const count = await this.partitionCount(topic);
    if (count === undefined) return [];
    const partitions = Array.from({ length: count }, (_, partition) => ({ topic, partition }));
    const starts = await this.ports.admin.beginningOffsets(partitions);
    return this.read(topic, (key) => starts.get(key) ?? 0n, false);
  }

  private async read(
    topic: string,
    from: (key: string) => bigint,
    advance = true,
  ): Promise<ConsumedRecord[]> {
    const count = await this.partitionCount(topic);
    if (count === undefined) return [];
    const partitions = Array.from({ length: count }, (_, partition) => ({ topic, partition }));
    const ends = await this.ports.admin.endOffsets(partitions);
    const out: ConsumedRecord[] = [];
    for (const tp of partitions) {
      const start = from(tpKey(tp));
      const to = ends.get(tpKey(tp)) ?? 0n;
      if (to > start) for await (const batch of this.ports.reader.read(tp, start, to)) out.push(...batch);
      if (advance) this.positions.set(tpKey(tp), to);
    }
    return out;
  }

  async close(): Promise<void> {
    await this.ports.close();
  }
}
