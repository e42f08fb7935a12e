import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { resolveStreamsConfig } from '../../../runtime/config.ts';
import { createLogger } from '../../../runtime/logger.ts';
import { createKafkaPorts } from '../../../runtime/internals/kafka-binding.ts';
import type { KafkaPorts, ProducedRecord, TopicPartition } from '../../../runtime/ports/ports.ts';
import { ChangelogInDoubtError, restoreStores } from '../../../runtime/internals/restorer.ts';
import { StreamsMetrics } from '../../../runtime/metrics/streams-metrics.ts';
import { Stores, type KeyValueStore } from '../../../state-stores/index.ts';
import { Serdes } from '../../../topology/index.ts';
import { BOOTSTRAP, TestKafka, uniqueName } from '../../support/kafka.ts';

/**
 * A store applies a transaction's writes once the broker said the transaction committed. After a
 * restart of the only broker the commit can still be lost (the coordinator skipped the markers of
 * partitions that had no leader) and a later abort of the same producer aborts those records too.
 * The store then holds writes Kafka does not. Restoration must notice — the record just before the
 * checkpoint reads as aborted — wipe the store and rebuild it from what Kafka committed. Here the
 * lost commit is staged directly: a committed transaction, then an aborted one whose writes the
 * store holds with a checkpoint just past them.
 */
let kafka: TestKafka;
let ports: KafkaPorts;
let stateDir: string;
beforeAll(async () => {
  kafka = await TestKafka.connect();
  ports = await createKafkaPorts(
    resolveStreamsConfig({
      applicationId: uniqueName('lost-commit'),
      instanceId: 'p',
      bootstrapServers: [BOOTSTRAP],
    }),
    createLogger('test'),
  );
  stateDir = mkdtempSync(join(tmpdir(), 'lost-commit-'));
});
afterAll(async () => {
  await ports.close();
  await kafka.close();
  rmSync(stateDir, { recursive: true, force: true });
});

const serde = Serdes.String();
function record(tp: TopicPartition, key: string, value: string): ProducedRecord {
  return {
    ...tp,
    key: Buffer.from(key),
    value: Buffer.from(value),
    timestamp: Date.now(),
    headers: new Map(),
  };
}

async function openStore(name: string, changelog: TopicPartition): Promise<KeyValueStore<string, string>> {
  const store = Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(name), serde, serde).build();
  await store.init({
    applicationId: 'app',
    taskId: '0_0',
    stateDir: join(stateDir, name),
    changelog,
    logChange: () => undefined,
  });
  return store;
}

async function lastStableOffset(tp: TopicPartition): Promise<bigint> {
  return (await ports.admin.endOffsets([tp])).get(`${tp.topic}:${tp.partition}`) ?? 0n;
}

async function waitForStableOffset(tp: TopicPartition, atLeast: bigint): Promise<bigint> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const lso = await lastStableOffset(tp);
    if (lso >= atLeast || Date.now() > deadline) return lso;
    await new Promise((r) => setTimeout(r, 100));
  }
}

test('a checkpoint just past aborted changelog records wipes the store and restores only what Kafka committed', async () => {
  const topic = uniqueName('lost-commit-changelog');
  await kafka.createTopic(topic, 1);
  const tp = { topic, partition: 0 };

  await ports.producer.begin();
  await ports.producer.send([record(tp, 'a', 'committed-a'), record(tp, 'b', 'committed-b')]);
  await ports.producer.commit();
  await ports.producer.begin();
  const written = await ports.producer.send([record(tp, 'b', 'aborted-b'), record(tp, 'c', 'aborted-c')]);
  await ports.producer.abort();
  const lastAborted = written.get(`${topic}:0`) as bigint;
  // Records 0-1, commit marker 2, aborted records 3-4, abort marker 5.
  const end = await waitForStableOffset(tp, lastAborted + 2n);
  expect(end).toBe(lastAborted + 2n);

  // The store as the lost commit left it: the aborted writes applied, checkpoint just past them.
  const store = await openStore('s', tp);
  await store.restore(
    [
      { key: Buffer.from('a'), value: Buffer.from('committed-a'), offset: 0n },
      { key: Buffer.from('b'), value: Buffer.from('aborted-b'), offset: lastAborted - 1n },
      { key: Buffer.from('c'), value: Buffer.from('aborted-c'), offset: lastAborted },
    ],
    lastAborted + 1n,
  );

  const metrics = new StreamsMetrics('lost-commit');
  const restoredTo = await restoreStores(
    { subtopology: 0, partition: 0 },
    [{ store, changelog: tp }],
    ports,
    metrics,
    createLogger('test'),
  );

  expect(restoredTo.get('s')).toBe(end);
  expect(store.checkpointedOffset()).toBe(end);
  expect(await store.all()).toEqual([
    { key: 'a', value: 'committed-a' },
    { key: 'b', value: 'committed-b' },
  ]);
  const wipes = await metrics.storeWipes.get();
  expect(wipes.values).toEqual([
    expect.objectContaining({ labels: { store: 's', reason: 'checkpoint after aborted records' }, value: 1 }),
  ]);
  await store.close();
});

test('a checkpoint just past committed records is trusted: nothing is wiped or replayed', async () => {
  const topic = uniqueName('kept-commit-changelog');
  await kafka.createTopic(topic, 1);
  const tp = { topic, partition: 0 };
  await ports.producer.begin();
  const written = await ports.producer.send([record(tp, 'a', '1'), record(tp, 'b', '2')]);
  await ports.producer.commit();
  const last = written.get(`${topic}:0`) as bigint;
  const end = await waitForStableOffset(tp, last + 2n);

  // The local state deliberately differs from the changelog: a replay from the beginning would
  // overwrite it, so an untouched value proves that nothing was replayed.
  const store = await openStore('t', tp);
  await store.restore([{ key: Buffer.from('a'), value: Buffer.from('local'), offset: last }], last + 1n);
  const metrics = new StreamsMetrics('kept-commit');
  await restoreStores(
    { subtopology: 0, partition: 0 },
    [{ store, changelog: tp }],
    ports,
    metrics,
    createLogger('test'),
  );

  expect(await store.get('a')).toBe('local');
  expect(store.checkpointedOffset()).toBe(end);
  expect((await metrics.storeWipes.get()).values).toEqual([]);
  await store.close();
});

test('a checkpoint inside a transaction the changelog still holds open waits for its outcome: no wipe', async () => {
  const topic = uniqueName('open-commit-changelog');
  await kafka.createTopic(topic, 1);
  const tp = { topic, partition: 0 };
  // Written and not yet ended: what a store sees when a commit's markers are late or were lost
  // and are being repaired. The store holds the writes, checkpointed just past them.
  await ports.producer.begin();
  const written = await ports.producer.send([record(tp, 'a', 'pending')]);
  const last = written.get(`${topic}:0`) as bigint;
  const store = await openStore('u', tp);
  await store.restore([{ key: Buffer.from('a'), value: Buffer.from('local'), offset: last }], last + 1n);
  const metrics = new StreamsMetrics('open-commit');
  const restore = () =>
    restoreStores(
      { subtopology: 0, partition: 0 },
      [{ store, changelog: tp }],
      ports,
      metrics,
      createLogger('test'),
    );

  await expect(restore()).rejects.toThrow(ChangelogInDoubtError);
  await expect(restore()).rejects.toThrow(/checkpoint 1 lies in a transaction that .*:0 still holds open/);
  expect(await store.get('a')).toBe('local');
  expect(store.checkpointedOffset()).toBe(last + 1n);

  // Once it commits, the local state is trusted as it is.
  await ports.producer.commit();
  await restore();
  expect(await store.get('a')).toBe('local');
  expect((await metrics.storeWipes.get()).values).toEqual([]);
  await store.close();
});
