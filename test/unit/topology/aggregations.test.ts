import { Serdes, TopologyError, type ProcessorContext, type StreamRecord } from '../../../topology/index.ts';
import { TopologyTestDriver } from '../../../testing/index.ts';
import { newBuilder } from '../testing/support/builders.ts';

const S = Serdes.String();
const L = Serdes.Long();

interface Line {
  sku: string;
  qty: number;
}

describe('KGroupedStream', () => {
  it('groupBy + count repartitions by the new key and counts per key', async () => {
    const builder = newBuilder();
    builder
      .stream('lines', { keySerde: S, valueSerde: Serdes.Json<Line>() })
      .groupBy((_order, line) => line.sku, { keySerde: S })
      .count({ storeName: 'per-sku' })
      .toStream()
      .to('counts', { valueSerde: L });
    const topology = builder.build();
    expect(topology.subtopologies('shop').map((s) => s.sourceTopics)).toEqual([
      ['lines'],
      ['shop-per-sku-repartition'],
    ]);
    expect(topology.subtopologies('shop')[1]?.stores).toEqual([
      { name: 'per-sku', changelogTopic: 'shop-per-sku-changelog' },
    ]);

    const driver = new TopologyTestDriver(topology, { applicationId: 'shop' });
    const input = driver.createInputTopic('lines', S, Serdes.Json<Line>());
    await input.pipeInput('o1', { sku: 'red', qty: 1 });
    await input.pipeInput('o1', { sku: 'blue', qty: 2 });
    await input.pipeInput('o2', { sku: 'red', qty: 5 });
    expect(driver.createOutputTopic('counts', S, L).readKeyValuesToList()).toEqual([
      { key: 'red', value: 1 },
      { key: 'blue', value: 1 },
      { key: 'red', value: 2 },
    ]);
    const store = await driver.getKeyValueStore<string, number>('per-sku');
    expect(await store.all()).toEqual([
      { key: 'blue', value: 1 },
      { key: 'red', value: 2 },
    ]);
    expect(
      driver
        .changelogRecords('shop-per-sku-changelog')
        .map((r) => [r.key.toString(), r.value?.readBigInt64BE()]),
    ).toEqual([
      ['red', 1n],
      ['blue', 1n],
      ['red', 2n],
    ]);
    await driver.close();
  });

  it('a cached aggregation store gives the same outputs and changelog in the driver (it commits per record)', async () => {
    const builder = newBuilder();
    builder
      .stream('lines', { keySerde: S, valueSerde: Serdes.Json<Line>() })
      .groupBy((_order, line) => line.sku, { keySerde: S })
      .count({ storeName: 'per-sku', cachingEnabled: true })
      .toStream()
      .to('counts', { valueSerde: L });
    const driver = new TopologyTestDriver(builder.build(), { applicationId: 'shop' });
    const input = driver.createInputTopic('lines', S, Serdes.Json<Line>());
    for (const sku of ['red', 'blue', 'red', 'red']) await input.pipeInput('o', { sku, qty: 1 });
    expect(driver.createOutputTopic('counts', S, L).readValuesToList()).toEqual([1, 1, 2, 3]);
    expect(driver.changelogRecords('shop-per-sku-changelog').map((r) => r.key.toString())).toEqual([
      'red',
      'blue',
      'red',
      'red',
    ]);
    await driver.close();
  });

  it('groupByKey does not repartition unless the key changed upstream', () => {
    const builder = newBuilder();
    const stream = builder.stream('in', { keySerde: S, valueSerde: S });
    stream.groupByKey().count();
    expect(builder.build().subtopologies()).toHaveLength(1);

    const builder2 = newBuilder();
    builder2
      .stream('in', { keySerde: S, valueSerde: S })
      .selectKey((_k, v) => v)
      .groupByKey({ keySerde: S, name: 'by-value' })
      .count();
    const subs = builder2.build().subtopologies('app');
    expect(subs.map((s) => s.sourceTopics)).toEqual([['in'], ['app-by-value-repartition']]);
  });

  it('reduce and aggregate fold values; null keys and values are skipped', async () => {
    const builder = newBuilder();
    const lines = builder.stream('lines', { keySerde: S, valueSerde: Serdes.Json<Line>() });
    lines
      // Keys and values may be null at run time (keyless records, tombstones), whatever the types say.
      .filter((_k, line) => line !== null)
      .mapValues((line) => line.qty)
      .groupByKey({ valueSerde: L })
      .reduce((a, b) => a + b, { storeName: 'qty-sum' })
      .toStream()
      .to('sums', { valueSerde: L });
    lines
      .groupByKey()
      .aggregate(
        () => [] as string[],
        (_key, line, skus) => [...skus, line.sku],
        { storeName: 'skus', valueSerde: Serdes.Json<string[]>() },
      )
      .toStream()
      .to('skus', { valueSerde: Serdes.Json<string[] | null>() });
    const driver = new TopologyTestDriver(builder.build(), { applicationId: 'agg' });
    const input = driver.createInputTopic('lines', S, Serdes.Json<Line>());
    await input.pipeInput('o1', { sku: 'a', qty: 2 });
    await input.pipeInput(null, { sku: 'x', qty: 100 });
    await input.pipeInput('o1', null);
    await input.pipeInput('o1', { sku: 'b', qty: 3 });
    expect(driver.createOutputTopic('sums', S, L).readValuesToList()).toEqual([2, 5]);
    expect(driver.createOutputTopic('skus', S, Serdes.Json<string[]>()).readValuesToList()).toEqual([
      ['a'],
      ['a', 'b'],
    ]);
    await driver.close();
  });

  it('fails at build time when a serde needed for bytes is unknown', () => {
    const builder = newBuilder();
    const stream = builder.stream('in', { keySerde: S, valueSerde: S }).mapValues((v) => v.length);
    expect(() => stream.groupBy((_k, v) => String(v)).count()).toThrow(TopologyError);
    expect(() => stream.groupBy((_k, v) => String(v)).count()).toThrow(/key .*pass Grouped.keySerde/);
    expect(() =>
      stream.groupByKey().aggregate(
        () => 0,
        (_k, v, a) => a + v,
      ),
    ).toThrow(/value \(store KSTREAM-AGGREGATE-STATE-STORE/);
  });
});

describe('KTable', () => {
  it('table() upserts and deletes, filter/mapValues follow, toStream emits tombstones', async () => {
    const builder = newBuilder();
    const prices = builder.table('prices', { keySerde: S, valueSerde: L }, { storeName: 'prices-store' });
    prices
      .filter((_sku, price) => price >= 100)
      .mapValues((price) => `${price / 100} EUR`)
      .toStream()
      .to('expensive', { valueSerde: S });
    const topology = builder.build();
    expect(topology.describe().toString()).toContain(
      'Processor: KTABLE-SOURCE-0000000001 (stores: [prices-store])',
    );

    const driver = new TopologyTestDriver(topology, { applicationId: 'tbl' });
    const input = driver.createInputTopic('prices', S, L);
    await input.pipeInput('a', 250);
    await input.pipeInput('b', 50);
    await input.pipeInput('a', 40); // stops matching: downstream delete
    await input.pipeInput('c', 100);
    await input.pipeInput('c', null); // deleted
    expect(driver.createOutputTopic('expensive', S, S).readKeyValuesToList()).toEqual([
      { key: 'a', value: '2.5 EUR' },
      { key: 'a', value: null },
      { key: 'c', value: '1 EUR' },
      { key: 'c', value: null },
    ]);
    const store = await driver.getKeyValueStore<string, number>('prices-store');
    expect(await store.all()).toEqual([
      { key: 'a', value: 40 },
      { key: 'b', value: 50 },
    ]);
    await driver.close();
  });

  it('a materialized filter gets its own store and changelog', async () => {
    const builder = newBuilder();
    const table = builder
      .table('prices', { keySerde: S, valueSerde: L })
      .filter((_k, v) => v > 10, { storeName: 'big-prices' });
    expect(table.queryableStoreName()).toBe('big-prices');
    const topology = builder.build();
    expect(topology.internalTopics('t').map((t) => t.name)).toEqual([
      't-prices-STATE-STORE-0000000000-changelog',
      't-big-prices-changelog',
    ]);
    const driver = new TopologyTestDriver(topology, { applicationId: 't' });
    const input = driver.createInputTopic('prices', S, L);
    await input.pipeInput('a', 5);
    await input.pipeInput('b', 50);
    expect(await (await driver.getKeyValueStore<string, number>('big-prices')).all()).toEqual([
      { key: 'b', value: 50 },
    ]);
    await driver.close();
  });

  it('globalTable fills a store every processor can read', async () => {
    const builder = newBuilder();
    builder.globalTable('customers', { keySerde: S, valueSerde: S }, { storeName: 'customers' });
    builder
      .stream('orders', { keySerde: S, valueSerde: S })
      .process(() => {
        let ctx: import('../../../topology/index.ts').ProcessorContext<string, string>;
        return {
          init(c) {
            ctx = c;
          },
          async process(record) {
            const store =
              ctx.getStateStore<import('../../../state-stores/state-store.ts').KeyValueStore<string, string>>(
                'customers',
              );
            ctx.forward(
              record.withValue(`${record.value} for ${(await store.get(record.value)) ?? 'unknown'}`),
            );
          },
        };
      })
      .to('enriched', { keySerde: S, valueSerde: S });
    const topology = builder.build();
    expect(topology.globalSourceTopics()).toEqual(['customers']);
    expect(topology.sourceTopics()).toEqual(['orders']);
    const driver = new TopologyTestDriver(topology, { applicationId: 'g' });
    await driver.createInputTopic('customers', S, S).pipeInput('c1', 'Ada');
    const orders = driver.createInputTopic('orders', S, S);
    await orders.pipeInput('o1', 'c1');
    await orders.pipeInput('o2', 'c2');
    expect(driver.createOutputTopic('enriched', S, S).readValuesToList()).toEqual([
      'c1 for Ada',
      'c2 for unknown',
    ]);
    await driver.close();
  });

  it('exposes value getters that read a table by key from another processor (the join hook)', async () => {
    const builder = newBuilder();
    const prices = builder.table('prices', { keySerde: S, valueSerde: L }, { storeName: 'prices' });
    const expensive = prices.filter((_k, v) => v > 100).mapValues((v) => `${v} cents`);
    expect(expensive.queryableStoreName()).toBeNull();
    const getterSupplier = expensive.valueGetterSupplier;
    expect(getterSupplier.storeNames).toEqual(['prices']);
    builder
      .stream('lookups', { keySerde: S, valueSerde: S })
      .process(
        () => {
          const getter = getterSupplier.get();
          let ctx: ProcessorContext<string, string>;
          return {
            init(c: ProcessorContext<string, string>) {
              ctx = c;
              getter.init(c as ProcessorContext<unknown, unknown>);
            },
            async process(record: StreamRecord<string, string>) {
              ctx.forward(record.withValue(String(await getter.get(record.key))));
            },
          };
        },
        ...getterSupplier.storeNames,
      )
      .to('answers', { keySerde: S, valueSerde: S });
    const topology = builder.build();
    // Connecting the table's store puts the lookup stream in the table's sub-topology (co-partitioned).
    expect(topology.copartitionGroups()).toEqual([['lookups', 'prices']]);
    const driver = new TopologyTestDriver(topology, { applicationId: 'getters' });
    const priceInput = driver.createInputTopic('prices', S, L);
    await priceInput.pipeInput('a', 250);
    await priceInput.pipeInput('b', 50);
    const lookups = driver.createInputTopic('lookups', S, S);
    for (const key of ['a', 'b', 'c']) await lookups.pipeInput(key, '?');
    expect(driver.createOutputTopic('answers', S, S).readValuesToList()).toEqual([
      '250 cents',
      'null',
      'null',
    ]);
    await driver.close();
  });
});
