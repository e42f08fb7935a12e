import { randomUUID } from 'node:crypto';
import { resolveStreamsConfig } from '../../runtime/config.ts';
import { createLogger } from '../../runtime/logger.ts';
import { createKafkaPorts } from '../../runtime/internals/kafka-binding.ts';
import type { ConsumedRecord, KafkaPorts } from '../../runtime/internals/ports.ts';

export const BOOTSTRAP = process.env.KAFKA_BOOTSTRAP ?? '127.0.0.1:19092';

/** A unique, valid topic or application name per test run, so reruns never see old data. */
export function uniqueName(prefix: string): string {
  return `${prefix}-${randomUUID().slice(0, 8)}`;
}

/**
 * Kafka access for integration tests, through the same ports the runtime uses (real broker,
 * non-transactional idempotent producer, read_committed reads).
 */
export class TestKafka {
  private readonly portsValue: KafkaPorts;

  private constructor(ports: KafkaPorts) {
    this.portsValue = ports;
  }

  static async connect(): Promise<TestKafka> {
    const config = resolveStreamsConfig({
      applicationId: uniqueName('test-client'),
      bootstrapServers: [BOOTSTRAP],
      processingGuarantee: 'at_least_once',
    });
    return new TestKafka(await createKafkaPorts(config, createLogger('test-kafka')));
  }

  get ports(): KafkaPorts {
    return this.portsValue;
  }

  async createTopic(name: string, partitions: number, configs: Record<string, string> = {}): Promise<void> {
    await this.portsValue.admin.createTopics([{ name, partitions, replicationFactor: 1, configs }]);
  }

  async produce(
    topic: string,
    records: { key: Buffer | null; value: Buffer | null; timestamp?: number }[],
  ): Promise<void> {
    const [count] = [...(await this.portsValue.admin.partitionCounts([topic])).values()];
    if (count === undefined) throw new Error(`No topic ${topic}`);
    let next = 0;
    await this.portsValue.producer.send(
      records.map((r) => ({
        topic,
        partition: r.key ? this.portsValue.partitionFor(r.key, count) : next++ % count,
        key: r.key,
        value: r.value,
        timestamp: r.timestamp ?? Date.now(),
        headers: new Map(),
      })),
    );
  }

  /** Every committed record of the topic, partition by partition, up to the current end. */
  async readAll(topic: string): Promise<ConsumedRecord[]> {
    const [count] = [...(await this.portsValue.admin.partitionCounts([topic])).values()];
    if (count === undefined) throw new Error(`No topic ${topic}`);
    const partitions = Array.from({ length: count }, (_, partition) => ({ topic, partition }));
    const ends = await this.portsValue.admin.endOffsets(partitions);
    const starts = await this.portsValue.admin.beginningOffsets(partitions);
    const out: ConsumedRecord[] = [];
    for (const tp of partitions) {
      const key = `${tp.topic}:${tp.partition}`;
      const from = starts.get(key) ?? 0n;
      const to = ends.get(key) ?? 0n;
      if (to <= from) continue;
      for await (const batch of this.portsValue.reader.read(tp, from, to)) out.push(...batch);
    }
    return out;
  }

  async close(): Promise<void> {
    await this.portsValue.close();
  }
}
