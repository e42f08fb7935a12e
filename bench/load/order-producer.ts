import { murmur2, Producer, ProduceAcks } from '@platformatic/kafka';
import { clientOptions } from './kafka-options.ts';

export interface KeyedRecord {
  key: string;
  value: string;
  /** Epoch ms. */
  timestamp: number;
}

/** Where the sender loop puts batches of records. */
export interface RecordSink {
  send(records: readonly KeyedRecord[]): Promise<void>;
  close(): Promise<void>;
}

/**
 * An idempotent (acks=all) producer to one topic, partitioning keys as Kafka's Java client does
 * (toPositive(murmur2(key)) % partitions), so an order lands where any other producer of the
 * same orderId would put it.
 */
export class TopicProducer implements RecordSink {
  private readonly producer: Producer;
  private readonly topic: string;
  private readonly partitions: number;

  private constructor(producer: Producer, topic: string, partitions: number) {
    this.producer = producer;
    this.topic = topic;
    this.partitions = partitions;
  }

  static async connect(options: {
    bootstrap: string;
    topic: string;
    clientId: string;
  }): Promise<TopicProducer> {
    const producer = new Producer({
      ...clientOptions(options.bootstrap, options.clientId),
      idempotent: true,
      acks: ProduceAcks.ALL,
    });
    try {
      const metadata = await producer.metadata({ topics: [options.topic] });
      const partitions = metadata.topics.get(options.topic)?.partitionsCount;
      if (partitions === undefined) throw new Error(`Topic ${options.topic} does not exist`);
      return new TopicProducer(producer, options.topic, partitions);
    } catch (error) {
      await producer.close(true).catch(() => undefined);
      throw error;
    }
  }

  async send(records: readonly KeyedRecord[]): Promise<void> {
    if (records.length === 0) return;
    await this.producer.send({
      messages: records.map((r) => {
        const key = Buffer.from(r.key);
        return {
          topic: this.topic,
          partition: (murmur2(key) & 0x7fffffff) % this.partitions,
          key,
          value: Buffer.from(r.value),
          timestamp: BigInt(r.timestamp),
        };
      }),
    });
  }

  async close(): Promise<void> {
    await this.producer.close(true).catch(() => undefined);
  }
}
