import { resolveStreamsConfig } from '../../../runtime/config.ts';
import { createLogger } from '../../../runtime/logger.ts';
import { createKafkaPorts } from '../../../runtime/internals/kafka-binding.ts';
import type { KafkaPorts, TopicPartition } from '../../../runtime/ports/ports.ts';
import { KafkaClientError, ProducerFencedError } from '../../../engine-common/errors.ts';
import { BOOTSTRAP, TestKafka, uniqueName } from '../../support/kafka.ts';

let kafka: TestKafka;
beforeAll(async () => {
  kafka = await TestKafka.connect();
});
afterAll(async () => {
  await kafka.close();
});

async function transactionalPorts(applicationId: string, instanceId: string): Promise<KafkaPorts> {
  return createKafkaPorts(
    resolveStreamsConfig({ applicationId, instanceId, bootstrapServers: [BOOTSTRAP] }),
    createLogger('test'),
  );
}

/** Subscribes and waits until the group has given this member partitions. */
async function joined(ports: KafkaPorts, topic: string): Promise<TopicPartition[]> {
  const assigned: TopicPartition[] = [];
  await ports.consumer.subscribe([topic], {
    onAssigned: async (partitions) => {
      assigned.push(...partitions);
      for (const tp of partitions) ports.consumer.seek(tp, 0n);
    },
    onRevoked: async () => undefined,
  });
  return assigned;
}

async function pollUntil(ports: KafkaPorts, count: number, timeoutMs = 20_000) {
  const records = [];
  const deadline = Date.now() + timeoutMs;
  while (records.length < count && Date.now() < deadline) records.push(...(await ports.consumer.poll(200)));
  return records;
}

test('round trip keeps keys, values, headers and timestamps', async () => {
  const topic = uniqueName('roundtrip');
  await kafka.createTopic(topic, 2);
  await kafka.ports.producer.send([
    {
      topic,
      partition: 1,
      key: Buffer.from('k'),
      value: Buffer.from('v'),
      timestamp: 1234,
      headers: new Map([['h', Buffer.from('x')]]),
    },
    { topic, partition: 0, key: null, value: null, timestamp: 99, headers: new Map() },
  ]);
  const records = await kafka.readAll(topic);
  expect(records).toHaveLength(2);
  const keyed = records.find((r) => r.partition === 1);
  expect(keyed?.key?.toString()).toBe('k');
  expect(keyed?.value?.toString()).toBe('v');
  expect(keyed?.timestamp).toBe(1234);
  expect(keyed?.headers.get('h')?.toString()).toBe('x');
  const tombstone = records.find((r) => r.partition === 0);
  expect(tombstone?.key).toBeNull();
  expect(tombstone?.value).toBeNull();
});

test('creating an existing topic with another partition count fails clearly; compacted config accepted', async () => {
  const topic = uniqueName('compacted');
  await kafka.createTopic(topic, 3, { 'cleanup.policy': 'compact' });
  await kafka.createTopic(topic, 3, { 'cleanup.policy': 'compact' });
  await expect(kafka.createTopic(topic, 5)).rejects.toThrow(/exists with 3 partitions, but 5/);
  expect((await kafka.ports.admin.partitionCounts([topic, uniqueName('missing')])).get(topic)).toBe(3);
});

test('an aborted transaction is invisible to read_committed and commits no offsets; a committed one is visible with its offsets', async () => {
  const input = uniqueName('txn-in');
  const output = uniqueName('txn-out');
  await kafka.createTopic(input, 1);
  await kafka.createTopic(output, 1);
  await kafka.produce(input, [
    { key: Buffer.from('a'), value: Buffer.from('1') },
    { key: Buffer.from('b'), value: Buffer.from('2') },
  ]);
  const ports = await transactionalPorts(uniqueName('txn-app'), 'i1');
  try {
    const assigned = await joined(ports, input);
    expect(assigned).toEqual([{ topic: input, partition: 0 }]);
    const consumed = await pollUntil(ports, 2);
    expect(consumed).toHaveLength(2);

    await ports.producer.begin();
    await ports.producer.send([
      {
        topic: output,
        partition: 0,
        key: null,
        value: Buffer.from('aborted'),
        timestamp: Date.now(),
        headers: new Map(),
      },
    ]);
    await ports.producer.sendOffsets(
      [{ topic: input, partition: 0, offset: 2n }],
      ports.consumer.groupMetadata(),
    );
    await ports.producer.abort();
    expect(await kafka.readAll(output)).toHaveLength(0);
    expect((await ports.consumer.committed([{ topic: input, partition: 0 }])).get(`${input}:0`)).toBeNull();

    await ports.producer.begin();
    const last = await ports.producer.send([
      {
        topic: output,
        partition: 0,
        key: null,
        value: Buffer.from('c1'),
        timestamp: Date.now(),
        headers: new Map(),
      },
      {
        topic: output,
        partition: 0,
        key: null,
        value: Buffer.from('c2'),
        timestamp: Date.now(),
        headers: new Map(),
      },
    ]);
    await ports.producer.sendOffsets(
      [{ topic: input, partition: 0, offset: 2n }],
      ports.consumer.groupMetadata(),
    );
    await ports.producer.commit();
    // Commit markers are written by the coordinator after EndTxn answers: wait for the LSO to move.
    let visible = await kafka.readAll(output);
    for (let i = 0; i < 100 && visible.length < 2; i++) {
      await new Promise((r) => setTimeout(r, 50));
      visible = await kafka.readAll(output);
    }
    expect(visible.map((r) => r.value?.toString())).toEqual(['c1', 'c2']);
    // The aborted record and its marker took offsets 0-1: the committed ones follow.
    expect(last.get(`${output}:0`)).toBe(visible[1]?.offset);
    expect((await ports.consumer.committed([{ topic: input, partition: 0 }])).get(`${input}:0`)).toBe(2n);
  } finally {
    await ports.close();
  }
});

test('a producer fenced by a newer instance with the same transactional id cannot write: its sends are refused, its commit fails with ProducerFencedError', async () => {
  const topic = uniqueName('fence');
  await kafka.createTopic(topic, 1);
  const applicationId = uniqueName('fence-app');
  const old = await transactionalPorts(applicationId, 'same');
  const newer = await transactionalPorts(applicationId, 'same');
  const value = (text: string) => ({
    topic,
    partition: 0,
    key: null,
    value: Buffer.from(text),
    timestamp: Date.now(),
    headers: new Map(),
  });
  try {
    await old.producer.begin();
    await old.producer.send([value('old')]);
    await newer.producer.begin();
    await newer.producer.send([value('new')]);
    await newer.producer.commit();
    // The produce request carries the old epoch: INVALID_PRODUCER_EPOCH (KIP-588), which on its own
    // cannot tell a zombie from our own transaction aborted on timeout, so it asks for a new producer.
    const refused = await old.producer.send([value('zombie')]).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(KafkaClientError);
    expect((refused as KafkaClientError).brokerErrors).toContain('INVALID_PRODUCER_EPOCH');
    // Ending the transaction is where the coordinator names the fencing: PRODUCER_FENCED, fatal.
    await expect(old.producer.commit()).rejects.toBeInstanceOf(ProducerFencedError);
    expect((await kafka.readAll(topic)).map((r) => r.value?.toString())).toEqual(['new']);
  } finally {
    await old.close();
    await newer.close();
  }
});
