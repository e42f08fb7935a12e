import { resolveStreamsConfig } from '../../../runtime/config.ts';
import { createLogger } from '../../../runtime/logger.ts';
import { createKafkaPorts } from '../../../runtime/internals/kafka-binding.ts';
import type { KafkaPorts, ProducedRecord, TopicPartition } from '../../../runtime/ports/ports.ts';
import { BOOTSTRAP, TestKafka, uniqueName } from '../../support/kafka.ts';

/**
 * read_committed must never deliver a record of an aborted transaction, whatever its size. An
 * aborted transaction of several MiB spans many fetch responses (1 MiB per partition each), and
 * only the last of them holds its abort marker: every response before it must still drop it.
 * Committed records of another producer interleaved with it must all come through.
 */
const RECORD_BYTES = 1024;
const PER_SEND = 400; // ≈ 400 KiB per produce request, below the broker's default 1 MiB batch limit

let kafka: TestKafka;
const open: KafkaPorts[] = [];
beforeAll(async () => {
  kafka = await TestKafka.connect();
});
afterAll(async () => {
  await Promise.all(open.map((p) => p.close()));
  await kafka.close();
});

async function transactionalProducer(name: string): Promise<KafkaPorts> {
  const ports = await createKafkaPorts(
    resolveStreamsConfig({ applicationId: uniqueName(name), instanceId: 'p', bootstrapServers: [BOOTSTRAP] }),
    createLogger('test'),
  );
  open.push(ports);
  return ports;
}

function records(tag: string, partitions: readonly TopicPartition[], count: number): ProducedRecord[] {
  return Array.from({ length: count }, (_, i) => {
    const tp = partitions[i % partitions.length] as TopicPartition;
    return {
      ...tp,
      key: Buffer.from(`${tag}-${i}`),
      value: Buffer.alloc(RECORD_BYTES, tag.charCodeAt(0)),
      timestamp: Date.now(),
      headers: new Map(),
    };
  });
}

async function sendInChunks(ports: KafkaPorts, all: readonly ProducedRecord[]): Promise<void> {
  for (let i = 0; i < all.length; i += PER_SEND) await ports.producer.send(all.slice(i, i + PER_SEND));
}

/** Reads every partition from 0 to its end through the runtime's partition reader (restoration's path). */
async function readThroughReader(
  ports: KafkaPorts,
  partitions: readonly TopicPartition[],
): Promise<string[]> {
  const ends = await ports.admin.endOffsets(partitions);
  const keys: string[] = [];
  for (const tp of partitions) {
    const end = ends.get(`${tp.topic}:${tp.partition}`) ?? 0n;
    for await (const batch of ports.reader.read(tp, 0n, end)) keys.push(...batch.map((r) => String(r.key)));
  }
  return keys;
}

/**
 * A commit returns once the coordinator has decided; the markers reach the partitions a moment
 * later and only then does the last stable offset move past the committed records. Read again
 * until at least `expected` records are visible (or 10 s pass), then let the assertions judge.
 */
async function settled(read: () => Promise<string[]>, expected: number): Promise<string[]> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const keys = await read();
    if (keys.length >= expected || Date.now() > deadline) return keys;
    await new Promise((r) => setTimeout(r, 100));
  }
}

test.each([
  ['one partition, 3 MiB aborted', 1, 3000],
  ['three partitions, 6 MiB aborted', 3, 6000],
])(
  '%s: nothing of an aborted transaction is delivered, every committed record is',
  async (_, count, size) => {
    const topic = uniqueName('aborted');
    await kafka.createTopic(topic, count);
    const partitions = Array.from({ length: count }, (_x, partition) => ({ topic, partition }));
    const aborting = await transactionalProducer('aborting');
    const committing = await transactionalProducer('committing');

    await aborting.producer.begin();
    const doomed = records('aborted', partitions, size);
    const committed: string[] = [];
    // The aborted transaction stays open while another producer commits small transactions between
    // its sends: their records interleave in the log with the doomed ones.
    for (let i = 0, round = 0; i < doomed.length; i += PER_SEND, round++) {
      await aborting.producer.send(doomed.slice(i, i + PER_SEND));
      await committing.producer.begin();
      const batch = records(`kept${round}`, partitions, count * 2);
      await committing.producer.send(batch);
      await committing.producer.commit();
      committed.push(...batch.map((r) => String(r.key)));
    }
    await aborting.producer.abort();
    // A second aborted transaction of the same producer after the first, then a committed tail.
    await aborting.producer.begin();
    await sendInChunks(aborting, records('again', partitions, 1200));
    await aborting.producer.abort();
    await committing.producer.begin();
    const tail = records('tail', partitions, count);
    await committing.producer.send(tail);
    await committing.producer.commit();
    committed.push(...tail.map((r) => String(r.key)));

    const viaReader = await settled(() => readThroughReader(kafka.ports, partitions), committed.length);
    expect(viaReader.filter((k) => k.startsWith('aborted') || k.startsWith('again'))).toEqual([]);
    expect(viaReader.sort()).toEqual([...committed].sort());

    // The same through the public client used by tools and tests.
    const viaClient = await settled(
      async () => (await kafka.readAll(topic)).map((r) => String(r.key)),
      committed.length,
    );
    expect(viaClient.sort()).toEqual([...committed].sort());
  },
  120_000,
);

test('committed records survive a later abort marker that has no aborted data on the partition', async () => {
  // The client's own read_committed filter dropped a producer's batches from its first listed
  // aborted transaction up to its LAST abort marker in the response. An abort whose transaction
  // never wrote to the partition (the broker refused the produce) leaves a marker and no listed
  // transaction, so the committed records between the two were lost on read.
  const topic = uniqueName('dataless-abort');
  await kafka.createTopic(topic, 1, { 'max.message.bytes': '20000' });
  const partitions = [{ topic, partition: 0 }];
  const producer = await transactionalProducer('dataless');
  await producer.producer.begin();
  await producer.producer.send(records('aborted', partitions, 50));
  await producer.producer.abort();
  await producer.producer.begin();
  const kept = records('kept', partitions, 50);
  await producer.producer.send(kept);
  await producer.producer.commit();
  await producer.producer.begin();
  await expect(
    producer.producer.send([
      { ...partitions[0]!, key: null, value: Buffer.alloc(50_000), timestamp: 0, headers: new Map() },
    ]),
  ).rejects.toThrow(/MESSAGE_TOO_LARGE/);
  await producer.producer.abort();

  const expected = kept.map((r) => String(r.key));
  const viaReader = await settled(() => readThroughReader(kafka.ports, partitions), expected.length);
  expect(viaReader).toEqual(expected);
});
