import { resolveStreamsConfig } from './config.ts';
import { createKafkaPorts } from './internals/kafka-binding.ts';
import type { ConsumedRecord, KafkaPorts } from './internals/ports.ts';
import { tpKey } from './internals/ports.ts';
import { createLogger } from './logger.ts';

export type { ConsumedRecord };

export interface TopicSpec {
  name: string;
  partitions: number;
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

  private constructor(ports: KafkaPorts) {
    this.ports = ports;
  }

  static async connect(options: { bootstrapServers: string[]; clientId: string }): Promise<KafkaClient> {
    const config = resolveStreamsConfig({
      applicationId: options.clientId,
      bootstrapServers: options.bootstrapServers,
      processingGuarantee: 'at_least_once',
    });
    return new KafkaClient(await createKafkaPorts(config, createLogger('kafka-client')));
  }

  /** Idempotent: existing topics with the same partition count are kept. */
  async createTopics(topics: readonly TopicSpec[]): Promise<void> {
    await this.ports.admin.createTopics(
      topics.map((t) => ({
        name: t.name,
        partitions: t.partitions,
        replicationFactor: 1,
        configs: t.configs ?? {},
      })),
    );
  }

  async partitionCount(topic: string): Promise<number | undefined> {
    return (await this.ports.admin.partitionCounts([topic])).get(topic);
  }

  async produce(
    topic: string,
    records: readonly { key: string | null; value: Buffer | string; timestamp?: number }[],
  ): Promise<void> {
    const partitions = await this.partitionCount(topic);
    if (partitions === undefined) throw new Error(`Topic ${topic} does not exist`);
    let next = 0;
    await this.ports.producer.send(
      records.map((r) => {
        const key = r.key === null ? null : Buffer.from(r.key);
        return {
          topic,
          partition: key ? this.ports.partitionFor(key, partitions) : next++ % partitions,
          key,
          value: typeof r.value === 'string' ? Buffer.from(r.value) : r.value,
          timestamp: r.timestamp ?? Date.now(),
          headers: new Map(),
        };
      }),
    );
  }

  /** Committed records written since the previous call for this topic (from the beginning on the first). */
  async readNew(topic: string): Promise<ConsumedRecord[]> {
    const count = await this.partitionCount(topic);
    if (count === undefined) return [];
    const partitions = Array.from({ length: count }, (_, partition) => ({ topic, partition }));
    const ends = await this.ports.admin.endOffsets(partitions);
    const out: ConsumedRecord[] = [];
    for (const tp of partitions) {
      const from = this.positions.get(tpKey(tp)) ?? 0n;
      const to = ends.get(tpKey(tp)) ?? 0n;
      if (to <= from) continue;
      for await (const batch of this.ports.reader.read(tp, from, to)) out.push(...batch);
      this.positions.set(tpKey(tp), to);
    }
    return out;
  }

  async close(): Promise<void> {
    await this.ports.close();
  }
}
