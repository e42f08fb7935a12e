import { partitionFor } from '../../../runtime/kafka/index.ts';
import { runConsoleProducer } from '../../../stack/kafka-tools.ts';
import { TestKafka, uniqueName } from '../../support/kafka.ts';

let kafka: TestKafka;
beforeAll(async () => {
  kafka = await TestKafka.connect();
});
afterAll(async () => {
  await kafka.close();
});

test('lines typed into the real kafka-console-producer reach our consumer, on the partition our partitioner predicts', async () => {
  const topic = uniqueName('console');
  await kafka.createTopic(topic, 4);
  const lines = Array.from({ length: 20 }, (_, i) => `order-${i}|{"orderId":"order-${i}","n":${i}}`);
  await runConsoleProducer({ topic, lines, keySeparator: '|' });

  const records = await kafka.readAll(topic);
  expect(records).toHaveLength(20);
  for (const record of records) {
    const key = record.key?.toString() as string;
    expect(JSON.parse(record.value?.toString() ?? '')).toEqual({ orderId: key, n: Number(key.slice(6)) });
    // Java's default partitioner (murmur2) and ours agree: co-partitioning with outside producers holds.
    expect(record.partition).toBe(partitionFor(Buffer.from(key), 4));
  }
});
