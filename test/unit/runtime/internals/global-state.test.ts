import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { resolveStreamsConfig } from '../../../../runtime/config.ts';
import { StreamsMetrics } from '../../../../runtime/metrics/streams-metrics.ts';
import { GlobalStateMaintainer } from '../../../../runtime/internals/global-state.ts';
import type {
  AdminPort,
  ConsumedRecord,
  PartitionReaderPort,
  ProducedRecord,
  ProducerPort,
  TopicPartition,
} from '../../../../runtime/ports/ports.ts';
import { tpKey } from '../../../../runtime/ports/ports.ts';
import { KafkaClientError } from '../../../../engine-common/errors.ts';
import { Serdes, StreamsBuilder, type Serde } from '../../../../topology/index.ts';
import type { KeyValueStore } from '../../../../state-stores/state-store.ts';

/** Refuses values starting with "!" (an undecodable record). */
const picky: Serde<string> = {
  serialize: (_t, v) => Buffer.from(v),
  deserialize: (_t, data) => {
    if (data.toString().startsWith('!')) throw new Error('cannot decode');
    return data.toString();
  },
};

/** A topic in memory, read in batches of two, with a switch to make reads fail (a broker away). */
class FakeKafka {
  readonly logs = new Map<string, ConsumedRecord[][]>();
  readonly deadLetters: ProducedRecord[] = [];
  readonly reads: { tp: string; from: bigint; to: bigint }[] = [];
  failReads = 0;

  createTopic(topic: string, partitions: number): void {
    this.logs.set(
      topic,
      Array.from({ length: partitions }, () => []),
    );
  }

  produce(topic: string, partition: number, key: string, value: string): void {
    const log = (this.logs.get(topic) as ConsumedRecord[][])[partition] as ConsumedRecord[];
    log.push({
      topic,
      partition,
      offset: BigInt(log.length),
      key: Buffer.from(key),
      value: Buffer.from(value),
      timestamp: 1000,
      headers: new Map(),
    });
  }

  private log(tp: TopicPartition): ConsumedRecord[] {
    return this.logs.get(tp.topic)?.[tp.partition] ?? [];
  }

  readonly admin = {
    partitionCounts: async (topics: readonly string[]) =>
      new Map(
        topics.flatMap((t) =>
          t === 'dead-letter'
            ? [[t, 1] as const]
            : this.logs.has(t)
              ? [[t, this.logs.get(t)?.length ?? 0] as const]
              : [],
        ),
      ),
    endOffsets: async (tps: readonly TopicPartition[]) =>
      new Map(tps.map((tp) => [tpKey(tp), BigInt(this.log(tp).length)])),
    beginningOffsets: async (tps: readonly TopicPartition[]) => new Map(tps.map((tp) => [tpKey(tp), 0n])),
  } as unknown as AdminPort;

  readonly reader: PartitionReaderPort = {
    read: (tp, from, to) => this.read(tp, from, to),
    outcomeAt: async () => 'committed',
  };

  private async *read(tp: TopicPartition, from: bigint, to: bigint): AsyncIterable<ConsumedRecord[]> {
    if (this.failReads > 0) {
      this.failReads--;
      throw new KafkaClientError('broker away');
    }
    this.reads.push({ tp: tpKey(tp), from, to });
    const records = this.log(tp).filter((r) => r.offset >= from && r.offset < to);
    for (let i = 0; i < records.length; i += 2) yield records.slice(i, i + 2);
  }

  readonly producer = {
    transactional: false,
    send: async (records: readonly ProducedRecord[]) => {
      this.deadLetters.push(...records);
      return new Map();
    },
  } as unknown as ProducerPort;
}

const until = async (check: () => Promise<boolean> | boolean): Promise<void> => {
  for (let i = 0; i < 200 && !(await check()); i++) await new Promise((r) => setTimeout(r, 10));
  expect(await check()).toBe(true);
};

describe('GlobalStateMaintainer', () => {
  let stateDir: string;
  let kafka: FakeKafka;
  beforeEach(() => {
    stateDir = mkdtempSync(join(tmpdir(), 'global-state-'));
    kafka = new FakeKafka();
    kafka.createTopic('countries', 3);
  });
  afterEach(() => rmSync(stateDir, { recursive: true, force: true }));

  const create = () => {
    const builder = new StreamsBuilder();
    builder.globalTable(
      'countries',
      { keySerde: Serdes.String(), valueSerde: picky },
      { storeName: 'countries' },
    );
    const metrics = new StreamsMetrics('g');
    const global = new GlobalStateMaintainer({
      topology: builder.build(),
      config: resolveStreamsConfig({
        applicationId: 'g',
        bootstrapServers: ['127.0.0.1:1'],
        stateDir,
        pollMaxWaitMs: 10,
      }),
      ports: {
        admin: kafka.admin,
        reader: kafka.reader,
        deadLetters: kafka.producer,
        partitionFor: (key, partitions) => key.length % partitions,
      },
      metrics,
      log: pino({ level: 'silent' }),
    });
    return { global, metrics };
  };
  const start = async () => {
    const { global, metrics } = create();
    await global.start();
    const store = global.stores.get('countries') as KeyValueStore<string, string>;
    const restored = async () => (await metrics.restored.get()).values.reduce((s, v) => s + v.value, 0);
    return { global, store, metrics, restored };
  };
  const checkpoint = () => readFileSync(join(stateDir, 'g', 'global', '.checkpoint'), 'utf8');

  it('bootstraps every partition, keeps up with new records, and restarts from its checkpoint', async () => {
    for (let i = 0; i < 9; i++) kafka.produce('countries', i % 3, `k${i}`, `v${i}`);
    const first = await start();
    expect(await first.restored()).toBe(9);
    expect((await first.store.all()).length).toBe(9);
    expect(checkpoint()).toBe('0\n3\ncountries 0 3\ncountries 1 3\ncountries 2 3\n');

    kafka.produce('countries', 1, 'k1', 'updated');
    await until(async () => (await first.store.get('k1')) === 'updated');
    await first.global.close();
    expect(checkpoint()).toContain('countries 1 4');

    // Down for a while: two more records. The restart reads those only.
    kafka.produce('countries', 2, 'k2', 'updated');
    kafka.produce('countries', 0, 'k9', 'v9');
    kafka.reads.length = 0;
    const second = await start();
    expect(await second.restored()).toBe(2);
    expect(kafka.reads.map((r) => `${r.tp}@${r.from}`).sort()).toEqual(['countries:0@3', 'countries:2@3']);
    expect(await second.store.get('k2')).toBe('updated');
    expect((await second.store.all()).length).toBe(10);
    await second.global.close();

    // Without its state directory, it bootstraps in full.
    rmSync(stateDir, { recursive: true, force: true });
    const third = await start();
    expect(await third.restored()).toBe(12);
    expect((await third.store.all()).length).toBe(10);
    await third.global.close();
  });

  it('dead-letters what it cannot decode and goes on', async () => {
    kafka.produce('countries', 0, 'a', 'ok');
    kafka.produce('countries', 0, 'b', '!bad');
    kafka.produce('countries', 0, 'c', 'ok');
    const { global, store, metrics } = await start();
    expect(await store.get('c')).toBe('ok');
    expect(await store.get('b')).toBeUndefined();
    expect(kafka.deadLetters).toHaveLength(1);
    expect(kafka.deadLetters[0]?.topic).toBe('dead-letter');
    expect(kafka.deadLetters[0]?.headers.get('error.stage')?.toString()).toBe('deserialize');
    expect(kafka.deadLetters[0]?.headers.get('source.offset')?.toString()).toBe('1');
    expect((await metrics.deadLettered.get()).values[0]?.value).toBe(1);
    await global.close();
  });

  it('retries with backoff when reads fail, during bootstrap and after', async () => {
    kafka.produce('countries', 0, 'a', '1');
    kafka.failReads = 2;
    const { global, store, metrics } = await start();
    expect(await store.get('a')).toBe('1');
    kafka.failReads = 1;
    kafka.produce('countries', 2, 'b', '2');
    await until(async () => (await store.get('b')) === '2');
    const retries = (await metrics.recoveries.get()).values.find((v) => v.labels.action === 'global_retry');
    expect(retries?.value).toBe(3);
    await global.close();
  });

  it('refuses a missing source topic', async () => {
    kafka.logs.delete('countries');
    const { global } = create();
    await expect(global.start()).rejects.toThrow(/countries do not exist/);
    await global.close();
  });
});
