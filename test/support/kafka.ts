import { randomUUID } from 'node:crypto';
import { stackConfig } from '../../stack/config.ts';
import { resolveStreamsConfig } from '../../runtime/config.ts';
import { KafkaClient, type ConsumedRecord } from '../../runtime/index.ts';
import { createLogger } from '../../runtime/logger.ts';
import { createKafkaPorts } from '../../runtime/internals/kafka-binding.ts';
import type { KafkaPorts } from '../../runtime/ports/ports.ts';

export const BOOTSTRAP = stackConfig.kafkaBootstrap;

/** A unique, valid topic or application name per test run, so reruns never see old data. */
export function uniqueName(prefix: string): string {
  return `${prefix}-${randomUUID().slice(0, 8)}`;
}

/**
 * Kafka access for integration tests: the public KafkaClient for topics, producing and reading
 * (real broker, idempotent producer, read_committed), plus the runtime's raw ports for the tests
 * of the Kafka door itself.
 */
export class TestKafka {
  readonly ports: KafkaPorts;
  private readonly client: KafkaClient;

  private constructor(ports: KafkaPorts, client: KafkaClient) {
    this.ports = ports;
    this.client = client;
  }

  static async connect(): Promise<TestKafka> {
    const applicationId = uniqueName('test-client');
    const config = resolveStreamsConfig({
      applicationId,
      bootstrapServers: [BOOTSTRAP],
      processingGuarantee: 'at_least_once',
    });
    const ports = await createKafkaPorts(config, createLogger('test-kafka'));
    return new TestKafka(
      ports,
      await KafkaClient.connect({ bootstrapServers: [BOOTSTRAP], clientId: `${applicationId}-client` }),
    );
  }

  async createTopic(name: string, partitions: number, configs: Record<string, string> = {}): Promise<void> {
    await this.client.createTopics([{ name, partitions, configs }]);
  }

  async produce(
    topic: string,
    records: { key: Buffer | null; value: Buffer | null; timestamp?: number }[],
  ): Promise<void> {
    await this.client.produce(topic, records);
  }

  readAll(topic: string): Promise<ConsumedRecord[]> {
    return this.client.readAll(topic);
  }

  async close(): Promise<void> {
    await Promise.all([this.ports.close(), this.client.close()]);
  }
}

/** The sum of a prom-client metric's series (every label set): how much of it happened in all. */
export async function metricTotal(metric: {
  get(): Promise<{ values: readonly { value: number }[] }>;
}): Promise<number> {
  return (await metric.get()).values.reduce((sum, v) => sum + v.value, 0);
}
