import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import {
  PunctuationType,
  Serdes,
  StreamRecord,
  TopologyError,
  type Processor,
  type ProcessorContext,
  type Topology,
} from '../../../topology/index.ts';
import type { KeyValueStore } from '../../../state-stores/state-store.ts';
import { readDeadLetterHeaders } from '../../../runtime/task/index.ts';
import { TopologyTestDriver, type TopologyTestDriverConfig } from '../../../testing/index.ts';
import { newBuilder } from './support/builders.ts';
import { memoryStoreBuilder } from './support/memory-store.ts';

const S = Serdes.String();
const L = Serdes.Long();
const silent = pino({ level: 'silent' });

function driverFor(topology: Topology, config: Partial<TopologyTestDriverConfig> = {}): TopologyTestDriver {
  return new TopologyTestDriver(topology, { applicationId: 'app', logger: silent, ...config });
}

interface Reservation {
  sku: string;
  qty: number;
  expiresAt: number;
}

/**
 * A custom processor with a store and a wall-clock punctuator, the shape of the saga's timeouts:
 * reservations are kept until confirmed; the punctuator expires the ones past their deadline.
 */
function reservationExpiry(): Processor<string, Reservation | null, string, string> {
  let ctx: ProcessorContext<string, string>;
  let store: KeyValueStore<string, Reservation>;
  return {
    init(context) {
      ctx = context;
      store = context.getStateStore('reservations');
      context.schedule(1_000, PunctuationType.WALL_CLOCK_TIME, async (now) => {
        for (const { key, value } of await store.all()) {
          if (value.expiresAt <= now) {
            await store.delete(key);
            ctx.forward(new StreamRecord(key, `EXPIRED ${value.sku}x${value.qty}`, now));
          }
        }
      });
    },
    async process(record) {
      if (record.value === null) {
        if ((await store.delete(record.key)) !== undefined) ctx.forward(record.withValue('CONFIRMED'));
        return;
      }
      await store.put(record.key, record.value);
      ctx.forward(record.withValue(`RESERVED ${record.value.sku}x${record.value.qty}`));
    },
  };
}

function reservationTopology(): Topology {
  const builder = newBuilder();
  builder.addStateStore(memoryStoreBuilder('reservations', S, Serdes.Json<Reservation>()));
  builder
    .stream('reservations', { keySerde: S, valueSerde: Serdes.Json<Reservation | null>() })
    .process(reservationExpiry, 'reservations')
    .to('reservation-status', { keySerde: S, valueSerde: S });
  return builder.build();
}

describe('TopologyTestDriver', () => {
  it('runs a custom processor with a store and a wall-clock punctuator', async () => {
    const driver = driverFor(reservationTopology(), { initialWallClockMs: 10_000 });
    const input = driver.createInputTopic('reservations', S, Serdes.Json<Reservation | null>());
    const output = driver.createOutputTopic('reservation-status', S, S);
    await input.pipeInput('o1', { sku: 'red', qty: 2, expiresAt: 12_500 });
    await input.pipeInput('o2', { sku: 'blue', qty: 1, expiresAt: 11_500 });
    await input.pipeInput('o3', { sku: 'red', qty: 1, expiresAt: 11_000 });
    await input.pipeInput('o3', null);
    expect(output.readValuesToList()).toEqual([
      'RESERVED redx2',
      'RESERVED bluex1',
      'RESERVED redx1',
      'CONFIRMED',
    ]);

    await driver.advanceWallClockTime(999); // 10999: not yet due
    expect(output.isEmpty()).toBe(true);
    await driver.advanceWallClockTime(1); // 11000: due, nothing expired yet
    expect(output.isEmpty()).toBe(true);
    await driver.advanceWallClockTime(1_000); // 12000: o2 expired
    expect(output.readRecordsToList().map((r) => [r.key, r.value, r.timestamp])).toEqual([
      ['o2', 'EXPIRED bluex1', 12_000],
    ]);
    await driver.advanceWallClockTime(5_000); // 17000: fires once, o1 expired
    expect(output.readKeyValuesToList()).toEqual([{ key: 'o1', value: 'EXPIRED redx2' }]);

    const store = await driver.getKeyValueStore<string, Reservation>('reservations');
    expect(await store.all()).toEqual([]);
    expect(driver.wallClockTimeMs()).toBe(17_000);
    await driver.close();
  });

  it('fires stream-time punctuators as piped timestamps advance', async () => {
    const builder = newBuilder();
    builder
      .stream('in', { keySerde: S, valueSerde: S })
      .process((): Processor<string, string, string, string> => {
        let ctx: ProcessorContext<string, string>;
        return {
          init(context) {
            ctx = context;
            ctx.schedule(100, PunctuationType.STREAM_TIME, (t) =>
              ctx.forward(new StreamRecord('tick', `stream@${t}`, t)),
            );
          },
          process: () => undefined,
        };
      })
      .to('ticks', { keySerde: S, valueSerde: S });
    const driver = driverFor(builder.build());
    const input = driver.createInputTopic('in', S, S, { startTimestampMs: 50, autoAdvanceMs: 60 });
    await input.pipeValueList(['a', 'b', 'c', 'd']); // timestamps 50, 110, 170, 230
    await driver.advanceWallClockTime(10_000); // wall clock does not move stream time
    input.advanceTime(1_000);
    await input.pipeValue('e'); // 1290
    expect(driver.createOutputTopic('ticks', S, S).readValuesToList()).toEqual([
      'stream@50',
      'stream@110',
      'stream@230',
      'stream@1290',
    ]);
    await driver.close();
  });

  it('dead-letters a bad record and keeps processing the next ones', async () => {
    const builder = newBuilder();
    builder
      .stream('orders', { keySerde: S, valueSerde: Serdes.Json<{ qty: number }>() })
      .mapValues((o) => o.qty)
      .to('qty', { valueSerde: L });
    const driver = driverFor(builder.build(), { initialWallClockMs: 777 });
    const raw = driver.createInputTopic('orders', S, S);
    await raw.pipeInput('o1', '{"qty":1}', 5);
    await raw.pipeInput('o2', '{"qty":', 6);
    await raw.pipeInput('o3', '{"qty":3}', 7);

    expect(driver.createOutputTopic('qty', S, L).readKeyValuesToList()).toEqual([
      { key: 'o1', value: 1 },
      { key: 'o3', value: 3 },
    ]);
    expect(driver.deadLetterRecords().map((r) => [r.stage, r.key?.toString(), r.value?.toString()])).toEqual([
      ['deserialize', 'o2', '{"qty":'],
    ]);
    const dlq = driver.createOutputTopic('dead-letter', S, S).readRecord();
    expect(dlq).toMatchObject({ key: 'o2', value: '{"qty":', timestamp: 6 });
    expect(readDeadLetterHeaders(dlq.headers)).toMatchObject({
      stage: 'deserialize',
      sourceTopic: 'orders',
      sourcePartition: 0,
      sourceOffset: 1n,
      atMs: 777,
    });
    await driver.close();
  });

  it("rejects pipeInput on a processor error under 'fail', aborts the record's store writes, and stays usable", async () => {
    const builder = newBuilder();
    builder.addStateStore(memoryStoreBuilder('seen', S, S));
    builder.stream('in', { keySerde: S, valueSerde: S }).process(() => {
      let store: KeyValueStore<string, string>;
      return {
        init(ctx: ProcessorContext<never, never>) {
          store = ctx.getStateStore('seen');
        },
        async process(record: StreamRecord<string, string>) {
          await store.put(record.key, record.value);
          if (record.value === 'boom') throw new Error('exploded');
        },
      };
    }, 'seen');
    const driver = driverFor(builder.build());
    const input = driver.createInputTopic('in', S, S);
    await input.pipeInput('a', 'ok');
    await expect(input.pipeInput('b', 'boom')).rejects.toThrow(/exploded/);
    await input.pipeInput('c', 'ok');
    const store = await driver.getKeyValueStore<string, string>('seen');
    expect(await store.all()).toEqual([
      { key: 'a', value: 'ok' },
      { key: 'c', value: 'ok' },
    ]);
    await driver.close();
  });

  it('feeds repartition and through topics back in FIFO order', async () => {
    const builder = newBuilder();
    builder
      .stream('in', { keySerde: S, valueSerde: S })
      .flatMap((k, v) => [
        { key: `${v}`, value: `${k}1` },
        { key: `${v}`, value: `${k}2` },
      ])
      .repartition({ name: 'by-value', keySerde: S, valueSerde: S })
      .to('mid', { keySerde: S, valueSerde: S });
    builder
      .stream('mid', { keySerde: S, valueSerde: S })
      .mapValues((v) => v.toUpperCase())
      .to('out', { valueSerde: S });
    const topology = builder.build();
    expect(topology.subtopologies().map((s) => s.sourceTopics)).toEqual([
      ['in'],
      ['mid'],
      ['by-value-repartition'],
    ]);
    const driver = driverFor(topology);
    const input = driver.createInputTopic('in', S, S);
    await input.pipeInput('x', 'p');
    await input.pipeInput('y', 'q');
    expect(driver.createOutputTopic('out', S, S).readKeyValuesToList()).toEqual([
      { key: 'p', value: 'X1' },
      { key: 'p', value: 'X2' },
      { key: 'q', value: 'Y1' },
      { key: 'q', value: 'Y2' },
    ]);
    expect(driver.producedTopicNames().sort()).toEqual(['app-by-value-repartition', 'mid', 'out']);
    await driver.close();
  });

  it('reads output topics in every shape, consuming what it reads', async () => {
    const builder = newBuilder();
    builder.stream('in', { keySerde: S, valueSerde: S }).to('out');
    const driver = driverFor(builder.build());
    const input = driver.createInputTopic('in', S, S, { startTimestampMs: 100, autoAdvanceMs: 10 });
    await input.pipeRecordList([
      { key: 'a', value: '1' },
      { key: 'b', value: '2', timestamp: 5 },
      { key: 'a', value: '3' },
      { key: 'b', value: null },
    ]);
    const output = driver.createOutputTopic('out', S, S);
    expect(output.getQueueSize()).toBe(4);
    expect(output.readRecord()).toMatchObject({ topic: 'out', key: 'a', value: '1', timestamp: 100 });
    expect(output.readKeyValue()).toEqual({ key: 'b', value: '2' });
    expect(output.readKeyValuesToMap()).toEqual(new Map([['a', '3']]));
    expect(output.isEmpty()).toBe(true);
    expect(() => output.readValue()).toThrow('Output topic out is empty');
    await driver.close();
  });

  it('rejects unknown topics and stores, and calls after close', async () => {
    const builder = newBuilder();
    builder.stream('in', { keySerde: S, valueSerde: S }).groupByKey().count({ storeName: 'n' });
    const driver = driverFor(builder.build());
    await expect(driver.createInputTopic('nope', S, S).pipeInput('k', 'v')).rejects.toThrow(
      'Unknown topic nope: the topology reads [in]',
    );
    await expect(driver.getKeyValueStore('missing')).rejects.toThrow(TopologyError);
    await expect(driver.getKeyValueStore('missing')).rejects.toThrow(
      'No state store missing; the topology has [n]',
    );
    await driver.close();
    await expect(driver.createInputTopic('in', S, S).pipeInput('k', 'v')).rejects.toThrow(
      'TopologyTestDriver is closed',
    );
  });

  it('owns a temporary state directory unless given one', async () => {
    const builder = newBuilder();
    builder.stream('in', { keySerde: S, valueSerde: S }).to('out');
    const own = driverFor(builder.build());
    const ownDir = (own as unknown as { stateDir: string }).stateDir;
    await own.createInputTopic('in', S, S).pipeInput('k', 'v');
    expect(existsSync(join(ownDir, 'app', '0_0'))).toBe(true);
    await own.close();
    expect(existsSync(ownDir)).toBe(false);

    const given = mkdtempSync(join(tmpdir(), 'driver-given-'));
    const other = driverFor(builder.build(), { stateDir: given });
    await other.createInputTopic('in', S, S).pipeInput('k', 'v');
    await other.close();
    expect(existsSync(join(given, 'app', '0_0'))).toBe(true);
    rmSync(given, { recursive: true, force: true });
  });
});
