import {
  Serdes,
  StreamsBuilder,
  TimeWindows,
  WindowedSerdes,
  EmitStrategy,
  type Topology,
} from '../../../../topology/index.ts';
import { TopologyTestDriver } from '../../../../testing/index.ts';
import { memoryDslStoreSuppliers } from '../../testing/support/memory-store.ts';

const windowed = WindowedSerdes.timeWindowedSerdeFrom(Serdes.String(), 60_000);

/** Clicks re-keyed by SKU (a repartition), joined with the price table, revenue summed per SKU per minute. */
function revenueTopology(emitOnClose = false): Topology {
  const builder = new StreamsBuilder({ dslStoreSuppliers: memoryDslStoreSuppliers });
  const prices = builder.table<string, number>('prices', {
    keySerde: Serdes.String(),
    valueSerde: Serdes.Long(),
  });
  const perMinute = builder
    .stream<string, string>('clicks', { keySerde: Serdes.String(), valueSerde: Serdes.String() })
    .selectKey((_user, sku) => sku)
    .join(prices, (_sku, price) => price)
    .groupByKey({ keySerde: Serdes.String(), valueSerde: Serdes.Long() })
    .windowedBy(TimeWindows.ofSizeAndGrace(60_000, 0));
  if (emitOnClose) perMinute.emitStrategy(EmitStrategy.onWindowClose());
  perMinute
    .aggregate(
      () => 0,
      (_k, price, sum) => sum + price,
      { valueSerde: Serdes.Long() },
    )
    .toStream()
    .to('revenue', { keySerde: windowed, valueSerde: Serdes.Json<number | null>() });
  return builder.build();
}

const EXPECTED_DESCRIBE = `Topologies:
   Sub-topology: 0
    Source: KSTREAM-SOURCE-0000000007 (topics: [KSTREAM-KEY-SELECT-0000000004-repartition])
      --> KSTREAM-JOIN-0000000008
    Processor: KSTREAM-JOIN-0000000008 (stores: [prices-STATE-STORE-0000000000])
      --> KSTREAM-AGGREGATE-0000000010
      <-- KSTREAM-SOURCE-0000000007
    Processor: KSTREAM-AGGREGATE-0000000010 (stores: [KSTREAM-AGGREGATE-STATE-STORE-0000000009])
      --> KTABLE-TOSTREAM-0000000011
      <-- KSTREAM-JOIN-0000000008
    Source: KSTREAM-SOURCE-0000000001 (topics: [prices])
      --> KTABLE-SOURCE-0000000002
    Processor: KTABLE-TOSTREAM-0000000011 (stores: [])
      --> KSTREAM-SINK-0000000012
      <-- KSTREAM-AGGREGATE-0000000010
    Sink: KSTREAM-SINK-0000000012 (topic: revenue)
      <-- KTABLE-TOSTREAM-0000000011
    Processor: KTABLE-SOURCE-0000000002 (stores: [prices-STATE-STORE-0000000000])
      --> none
      <-- KSTREAM-SOURCE-0000000001

  Sub-topology: 1
    Source: KSTREAM-SOURCE-0000000003 (topics: [clicks])
      --> KSTREAM-KEY-SELECT-0000000004
    Processor: KSTREAM-KEY-SELECT-0000000004 (stores: [])
      --> KSTREAM-FILTER-0000000006
      <-- KSTREAM-SOURCE-0000000003
    Processor: KSTREAM-FILTER-0000000006 (stores: [])
      --> KSTREAM-SINK-0000000005
      <-- KSTREAM-KEY-SELECT-0000000004
    Sink: KSTREAM-SINK-0000000005 (topic: KSTREAM-KEY-SELECT-0000000004-repartition)
      <-- KSTREAM-FILTER-0000000006`;

test('describe(): a repartition, a stream-table join and a windowed aggregation, in Kafka Streams format', () => {
  expect(revenueTopology().describe().toString().trimEnd()).toBe(EXPECTED_DESCRIBE);
});

async function drive(emitOnClose: boolean) {
  const driver = new TopologyTestDriver(revenueTopology(emitOnClose), { applicationId: 'revenue' });
  const prices = driver.createInputTopic('prices', Serdes.String(), Serdes.Long());
  const clicks = driver.createInputTopic('clicks', Serdes.String(), Serdes.String());
  const revenue = driver.createOutputTopic('revenue', windowed, Serdes.Json<number>());
  await prices.pipeInput('RED', 10, 0);
  await prices.pipeInput('BLUE', 5, 0);
  await clicks.pipeInput('u1', 'RED', 1_000);
  await clicks.pipeInput('u2', 'BLUE', 2_000);
  await clicks.pipeInput('u3', 'RED', 59_999);
  await clicks.pipeInput('u4', 'GREEN', 3_000); // no price: the inner join drops it
  await clicks.pipeInput('u5', 'RED', 60_000); // exactly the end of the first window: next window
  await clicks.pipeInput('u6', 'RED', 500); // late: its window closed (grace 0)
  await clicks.pipeInput('u7', 'BLUE', 130_000); // advances stream time: closes [60 s, 120 s)
  const out = revenue
    .readKeyValuesToList()
    .map(({ key, value }) => `${key?.key}@${key?.window.start}=${value}`);
  await driver.close();
  return out;
}

test('emit on update: every click updates its window; join misses, late records dropped; window end exclusive', async () => {
  expect(await drive(false)).toEqual(['RED@0=10', 'BLUE@0=5', 'RED@0=20', 'RED@60000=10', 'BLUE@120000=5']);
});

test('emit on window close: one final result per window, once stream time passes its end plus grace', async () => {
  expect(await drive(true)).toEqual(['BLUE@0=5', 'RED@0=20', 'RED@60000=10']);
});

test('hopping windows: a record belongs to every window that contains it', () => {
  const hopping = TimeWindows.ofSizeAndGrace(10_000, 0).advanceBy(5_000);
  expect(hopping.windowsFor(12_000)).toEqual([
    { start: 5_000, end: 15_000 },
    { start: 10_000, end: 20_000 },
  ]);
  expect(TimeWindows.ofSizeWithNoGrace(10_000).windowsFor(10_000)).toEqual([{ start: 10_000, end: 20_000 }]);
  expect(() => TimeWindows.ofSizeAndGrace(10, 0).advanceBy(11)).toThrow(/advance/);
});

test('left join keeps stream records without a table value', async () => {
  const builder = new StreamsBuilder({ dslStoreSuppliers: memoryDslStoreSuppliers });
  const names = builder.table<string, string>('names', {
    keySerde: Serdes.String(),
    valueSerde: Serdes.String(),
  });
  builder
    .stream<string, string>('events', { keySerde: Serdes.String(), valueSerde: Serdes.String() })
    .leftJoin(names, (event, name) => `${event}:${name ?? 'unknown'}`)
    .to('enriched', { keySerde: Serdes.String(), valueSerde: Serdes.String() });
  const driver = new TopologyTestDriver(builder.build(), { applicationId: 'left' });
  await driver.createInputTopic('names', Serdes.String(), Serdes.String()).pipeInput('u1', 'Ada');
  const events = driver.createInputTopic('events', Serdes.String(), Serdes.String());
  await events.pipeInput('u1', 'login');
  await events.pipeInput('u2', 'login');
  expect(driver.createOutputTopic('enriched', Serdes.String(), Serdes.String()).readValuesToList()).toEqual([
    'login:Ada',
    'login:unknown',
  ]);
  await driver.close();
});
