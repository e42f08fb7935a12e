import {
  Admin,
  Connection,
  findCoordinatorV6,
  initProducerIdV5,
  produceV11,
  txnOffsetCommitV4,
} from '@platformatic/kafka';
import { KafkaProducer } from '../../../runtime/kafka/producer-port.ts';
import { HangingTransactions, type OpenTransaction } from '../../../runtime/kafka/hanging-transactions.ts';
import { brokerErrorNames } from '../../../runtime/kafka/errors.ts';
import { runKafkaTool } from '../../../stack/kafka-tools.ts';
import { BOOTSTRAP, TestKafka, uniqueName } from '../../support/kafka.ts';

/**
 * A hanging transaction: a partition holds a transaction of our producer open although its
 * coordinator has moved on (after a restart of the only broker, the coordinator skipped the
 * markers of partitions that had no leader). Its last stable offset stops there for good, and so do
 * restoration and the group's committed offsets. It is staged here exactly: a transactional batch
 * is produced with the raw protocol for a producer id whose coordinator never heard of the
 * partition (the broker's check of that, KIP-890's partition verification, is switched off for
 * the duration). Re-initialising our producer must find it and abort it.
 */
const VERIFICATION = 'transaction.partition.verification.enable';
/** FindCoordinator's key type of a consumer group. */
const GROUP_KEY = 0;
/** FindCoordinator's key type of a transactional id. */
const TRANSACTION_KEY = 1;
let kafka: TestKafka;
beforeAll(async () => {
  kafka = await TestKafka.connect();
});
afterAll(async () => {
  await kafka.close();
});

async function brokerDefault(change: string[]): Promise<void> {
  const code = await runKafkaTool('configs', [
    '--entity-type',
    'brokers',
    '--entity-default',
    '--alter',
    ...change,
  ]);
  if (code !== 0) throw new Error(`kafka-configs ${change.join(' ')} exited ${code}`);
}

/**
 * The raw requests here have none of the client's retries. Right after another test restarted the
 * broker, or on a fresh broker, the group coordinator can still be loading (or creating) the
 * partition of `__consumer_offsets` that holds our group and answers NOT_COORDINATOR (CI saw it):
 * ask again, as a client would.
 */
const SETTLING = new Set(['NOT_COORDINATOR', 'COORDINATOR_LOAD_IN_PROGRESS', 'COORDINATOR_NOT_AVAILABLE']);
async function whileCoordinatorSettles<T>(request: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await request();
    } catch (error) {
      if (attempt >= 50 || !brokerErrorNames(error).some((n) => SETTLING.has(n))) throw error;
      await new Promise((r) => setTimeout(r, 200));
    }
  }
}

/**
 * A raw transactional producer for `transactionalId` whose records its coordinator never hears of
 * (partition verification is off while `write` runs): what it writes stays open in the partitions.
 */
async function withUnverifiedProducer<T>(
  transactionalId: string,
  write: (connection: Connection, identity: { producerId: bigint; producerEpoch: number }) => Promise<T>,
): Promise<T> {
  const [host, port] = BOOTSTRAP.split(':') as [string, string];
  const connection = new Connection('hanging-test');
  connection.on('error', () => undefined);
  await connection.connect(host, Number(port));
  await brokerDefault(['--add-config', `${VERIFICATION}=false`]);
  try {
    const identity = await whileCoordinatorSettles(async () => {
      // Likewise `__transaction_state` for a transaction coordinator.
      await findCoordinatorV6.api.async(connection, TRANSACTION_KEY, [transactionalId]);
      return (await initProducerIdV5.api.async(connection, transactionalId, 60_000, -1n, -1)) as {
        producerId: bigint;
        producerEpoch: number;
      };
    });
    return await write(connection, identity);
  } finally {
    await brokerDefault(['--delete-config', VERIFICATION]);
    await connection.close();
  }
}

async function lastStableOffset(topic: string): Promise<bigint> {
  const ends = await kafka.ports.admin.endOffsets([{ topic, partition: 0 }]);
  return ends.get(`${topic}:0`) ?? -1n;
}

test('re-initialising the producer aborts a transaction of ours that a partition still holds open', async () => {
  const topic = uniqueName('hanging');
  const transactionalId = uniqueName('hanging-txn');
  const group = uniqueName('hanging-group');
  const admin = new Admin({ clientId: 'hanging-test-admin', bootstrapBrokers: [BOOTSTRAP] });
  const stableOffsets = () =>
    admin
      .listConsumerGroupOffsets({
        groups: [{ groupId: group, topics: [{ name: topic, partitionIndexes: [0] }] }],
        requireStable: true,
      })
      .then(
        () => 'stable',
        (error: unknown) => brokerErrorNames(error).join(',') || String(error),
      );
  await kafka.createTopic(topic, 1);
  await withUnverifiedProducer(transactionalId, async (connection, { producerId, producerEpoch }) => {
    await produceV11.api.async(
      connection,
      -1,
      30_000,
      [{ topic, partition: 0, key: Buffer.from('k'), value: Buffer.from('never committed') }],
      { producerId, producerEpoch, transactionalId },
    );
    // The same transaction also holds an offset commit of a group: its offsets read "unstable".
    await whileCoordinatorSettles(async () => {
      // On a fresh broker `__consumer_offsets` exists only once someone asks for a coordinator.
      await findCoordinatorV6.api.async(connection, GROUP_KEY, [group]);
      return txnOffsetCommitV4.api.async(
        connection,
        transactionalId,
        group,
        producerId,
        producerEpoch,
        -1,
        '',
        null,
        [{ name: topic, partitions: [{ partitionIndex: 0, committedOffset: 1n, committedLeaderEpoch: -1 }] }],
      );
    });
  });
  // The partition holds the transaction open: nothing is stable past its first record, and the
  // group's committed offsets stay unstable.
  expect(await lastStableOffset(topic)).toBe(0n);
  expect(await stableOffsets()).toMatch(/UNSTABLE_OFFSET_COMMIT|unstable/i);

  const reports: { open: readonly OpenTransaction[]; error: unknown }[] = [];
  const producer = new KafkaProducer(
    { clientId: 'hanging-test', bootstrapServers: [BOOTSTRAP] },
    {
      transactionalId,
      writtenTopics: () => [topic],
      onHanging: (open, error) => reports.push({ open, error }),
    },
  );
  try {
    await producer.init();
    expect(reports).toHaveLength(1);
    expect(reports[0]?.error).toBeNull();
    expect(reports[0]?.open).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ topic, partition: 0, startOffset: 0n }),
        expect.objectContaining({ topic: '__consumer_offsets' }),
      ]),
    );
    expect(reports[0]?.open).toHaveLength(2);
    // The group coordinator applies the abort marker a moment after it is written.
    let offsets = await stableOffsets();
    for (let i = 0; i < 50 && offsets !== 'stable'; i++) {
      await new Promise((r) => setTimeout(r, 200));
      offsets = await stableOffsets();
    }
    expect(offsets).toBe('stable');
    // The abort marker follows the record: everything is stable, and the record never readable.
    expect(await lastStableOffset(topic)).toBe(2n);
    expect(await kafka.readAll(topic)).toEqual([]);

    // The producer works on: a committed transaction is read back.
    await producer.begin();
    await producer.send([
      {
        topic,
        partition: 0,
        key: Buffer.from('k'),
        value: Buffer.from('committed'),
        timestamp: Date.now(),
        headers: new Map(),
      },
    ]);
    await producer.commit();
    const deadline = Date.now() + 10_000;
    while ((await lastStableOffset(topic)) < 4n && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 100));
    expect((await kafka.readAll(topic)).map((r) => String(r.value))).toEqual(['committed']);
  } finally {
    await producer.close();
    await admin.close();
  }
});

/**
 * Before an abort, committed writes of ours that share an open transaction with a failed one are
 * read back as written (lost-commits.ts): the records of our producer id only, markers and other
 * producers left out, whatever the transaction's state.
 */
test('our records in an open transaction are read back as written; strict search of a missing leader fails', async () => {
  const topic = uniqueName('readback');
  const transactionalId = uniqueName('readback-txn');
  await kafka.createTopic(topic, 1);
  // Another producer's committed record first: it must not be read back as ours.
  await kafka.produce(topic, [{ key: Buffer.from('other'), value: Buffer.from('not ours') }]);
  const admin = new Admin({ clientId: 'readback-test-admin', bootstrapBrokers: [BOOTSTRAP] });
  const { producerId } = await withUnverifiedProducer(transactionalId, async (connection, identity) => {
    await produceV11.api.async(
      connection,
      -1,
      30_000,
      [
        {
          topic,
          partition: 0,
          key: Buffer.from('k1'),
          value: Buffer.from('first'),
          headers: new Map([[Buffer.from('trace'), Buffer.from('t-1')]]),
          timestamp: 1_700_000_000_000n,
        },
        {
          topic,
          partition: 0,
          key: Buffer.from('k2'),
          value: Buffer.from('second'),
          timestamp: 1_700_000_000_001n,
        },
      ],
      { ...identity, transactionalId },
    );
    return identity;
  });
  const hanging = new HangingTransactions(admin, 'readback-test');
  try {
    const open = await hanging.find([topic], producerId, 1_000, { strict: true });
    expect(open).toEqual([expect.objectContaining({ topic, partition: 0, startOffset: 1n })]);
    const own = await hanging.ownRecords({ topic, partition: 0 }, 0n, 3n, producerId);
    expect(
      own.map((o) => [o.offset, String(o.record.key), String(o.record.value), o.record.timestamp]),
    ).toEqual([
      [1n, 'k1', 'first', 1_700_000_000_000],
      [2n, 'k2', 'second', 1_700_000_000_001],
    ]);
    expect(String(own[0]?.record.headers.get('trace'))).toBe('t-1');
    // A range that stops early, and another producer id: only what was asked for.
    expect(
      (await hanging.ownRecords({ topic, partition: 0 }, 2n, 3n, producerId)).map((o) => o.offset),
    ).toEqual([2n]);
    expect(await hanging.ownRecords({ topic, partition: 0 }, 0n, 3n, producerId + 1n)).toEqual([]);
    // A strict search cannot pass over a partition it could not ask: a topic is asked by name,
    // and one that does not exist has no partitions to miss (nothing found, no error).
    expect(await hanging.find([uniqueName('missing')], producerId, 1_000, { strict: true })).toEqual([]);
  } finally {
    // End the staged transaction, so the topic's readers are not held up by it.
    await hanging.end(await hanging.find([topic], producerId, 1_000), () => 'abort');
    await admin.close();
  }
});
