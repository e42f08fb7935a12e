import { resolveStreamsConfig } from '../../../runtime/config.ts';
import { createLogger } from '../../../runtime/logger.ts';
import { createKafkaPorts } from '../../../runtime/internals/kafka-binding.ts';
import type { KafkaPorts, ProducedRecord } from '../../../runtime/ports/ports.ts';
import { KafkaClientError } from '../../../engine-common/errors.ts';
import { BOOTSTRAP, TestKafka, uniqueName } from '../../support/kafka.ts';

/**
 * A transactional producer whose sequence numbers ran ahead of the broker's: the client counts a
 * request's records into the partition's sequence before the broker accepts them, and keeps the
 * count when the request fails. A broker restart that cuts a produce request short does this; so,
 * deterministically, does a request the broker refuses. Every later send to that partition is then
 * answered OUT_OF_ORDER_SEQUENCE_NUMBER — the stale producer the chaos runs looped on. The error
 * must say "new producer", and `reset()` must give one that writes again, exactly once.
 */
let kafka: TestKafka;
let ports: KafkaPorts;
beforeAll(async () => {
  kafka = await TestKafka.connect();
  ports = await createKafkaPorts(
    resolveStreamsConfig({
      applicationId: uniqueName('stale'),
      instanceId: 'i',
      bootstrapServers: [BOOTSTRAP],
    }),
    createLogger('test'),
  );
});
afterAll(async () => {
  await ports.close();
  await kafka.close();
});

const record = (topic: string, value: string | Buffer): ProducedRecord => ({
  topic,
  partition: 0,
  key: null,
  value: typeof value === 'string' ? Buffer.from(value) : value,
  timestamp: Date.now(),
  headers: new Map(),
});

async function transaction(records: ProducedRecord[]): Promise<void> {
  await ports.producer.begin();
  try {
    await ports.producer.send(records);
    await ports.producer.commit();
  } catch (error) {
    await ports.producer.abort().catch(() => undefined);
    throw error;
  }
}

test('a producer with stale sequence numbers is told to be replaced, and its replacement writes exactly once', async () => {
  const topic = uniqueName('stale-seq');
  await kafka.createTopic(topic, 1, { 'max.message.bytes': '20000' });
  await transaction([record(topic, 'before')]);

  const refused = await transaction([record(topic, Buffer.alloc(50_000, 1))]).catch((e: unknown) => e);
  expect(refused).toBeInstanceOf(KafkaClientError);
  expect((refused as KafkaClientError).brokerErrors).toContain('MESSAGE_TOO_LARGE');
  expect((refused as KafkaClientError).recovery).toBe('fatal');

  const stale = await transaction([record(topic, 'lost')]).catch((e: unknown) => e);
  expect(stale).toBeInstanceOf(KafkaClientError);
  expect((stale as KafkaClientError).brokerErrors).toContain('OUT_OF_ORDER_SEQUENCE_NUMBER');
  expect((stale as KafkaClientError).recovery).toBe('new-producer');

  await ports.producer.reset();
  await transaction([record(topic, 'after-1'), record(topic, 'after-2')]);
  await transaction([record(topic, 'after-3')]);
  const values = (await kafka.readAll(topic)).map((r) => r.value?.toString());
  expect(values).toEqual(['before', 'after-1', 'after-2', 'after-3']);
});
