import { Serdes, type KStream } from '../../../topology/index.ts';
import { newBuilder } from '../testing/support/builders.ts';

interface Order {
  customer: string;
  total: number;
}

describe('Topology.describe()', () => {
  it('matches Kafka Streams for a filter/mapValues chain plus a groupBy/count with a repartition', () => {
    const builder = newBuilder();
    const orders = builder.stream('orders', { keySerde: Serdes.String(), valueSerde: Serdes.Json<Order>() });
    orders
      .filter((_id, order) => order.total > 100)
      .mapValues((order) => order.total)
      .to('big-orders', { valueSerde: Serdes.Long() });
    orders
      .groupBy((_id, order) => order.customer, { keySerde: Serdes.String() })
      .count()
      .toStream()
      .to('orders-per-customer', { valueSerde: Serdes.Long() });

    expect(builder.build().describe().toString()).toBe(
      [
        'Topologies:',
        '   Sub-topology: 0',
        '    Source: KSTREAM-SOURCE-0000000000 (topics: [orders])',
        '      --> KSTREAM-FILTER-0000000001, KSTREAM-KEY-SELECT-0000000004',
        '    Processor: KSTREAM-FILTER-0000000001 (stores: [])',
        '      --> KSTREAM-MAPVALUES-0000000002',
        '      <-- KSTREAM-SOURCE-0000000000',
        '    Processor: KSTREAM-KEY-SELECT-0000000004 (stores: [])',
        '      --> KSTREAM-FILTER-0000000008',
        '      <-- KSTREAM-SOURCE-0000000000',
        '    Processor: KSTREAM-FILTER-0000000008 (stores: [])',
        '      --> KSTREAM-SINK-0000000007',
        '      <-- KSTREAM-KEY-SELECT-0000000004',
        '    Processor: KSTREAM-MAPVALUES-0000000002 (stores: [])',
        '      --> KSTREAM-SINK-0000000003',
        '      <-- KSTREAM-FILTER-0000000001',
        '    Sink: KSTREAM-SINK-0000000003 (topic: big-orders)',
        '      <-- KSTREAM-MAPVALUES-0000000002',
        '    Sink: KSTREAM-SINK-0000000007 (topic: KSTREAM-AGGREGATE-STATE-STORE-0000000005-repartition)',
        '      <-- KSTREAM-FILTER-0000000008',
        '',
        '  Sub-topology: 1',
        '    Source: KSTREAM-SOURCE-0000000009 (topics: [KSTREAM-AGGREGATE-STATE-STORE-0000000005-repartition])',
        '      --> KSTREAM-AGGREGATE-0000000006',
        '    Processor: KSTREAM-AGGREGATE-0000000006 (stores: [KSTREAM-AGGREGATE-STATE-STORE-0000000005])',
        '      --> KTABLE-TOSTREAM-0000000010',
        '      <-- KSTREAM-SOURCE-0000000009',
        '    Processor: KTABLE-TOSTREAM-0000000010 (stores: [])',
        '      --> KSTREAM-SINK-0000000011',
        '      <-- KSTREAM-AGGREGATE-0000000006',
        '    Sink: KSTREAM-SINK-0000000011 (topic: orders-per-customer)',
        '      <-- KTABLE-TOSTREAM-0000000010',
        '',
        '',
      ].join('\n'),
    );
  });

  it('names the repartition nodes after a user-named store, like the Kafka word-count tutorial', () => {
    const builder = newBuilder();
    builder
      .stream('streams-plaintext-input', { keySerde: Serdes.String(), valueSerde: Serdes.String() })
      .flatMapValues((line) => line.toLowerCase().split(/\W+/))
      .groupBy((_key, word) => word, { keySerde: Serdes.String(), valueSerde: Serdes.String() })
      .count({ storeName: 'counts-store' })
      .toStream()
      .to('streams-wordcount-output', { valueSerde: Serdes.Long() });

    expect(builder.build().describe().toString()).toBe(
      [
        'Topologies:',
        '   Sub-topology: 0',
        '    Source: KSTREAM-SOURCE-0000000000 (topics: [streams-plaintext-input])',
        '      --> KSTREAM-FLATMAPVALUES-0000000001',
        '    Processor: KSTREAM-FLATMAPVALUES-0000000001 (stores: [])',
        '      --> KSTREAM-KEY-SELECT-0000000002',
        '      <-- KSTREAM-SOURCE-0000000000',
        '    Processor: KSTREAM-KEY-SELECT-0000000002 (stores: [])',
        '      --> counts-store-repartition-filter',
        '      <-- KSTREAM-FLATMAPVALUES-0000000001',
        '    Processor: counts-store-repartition-filter (stores: [])',
        '      --> counts-store-repartition-sink',
        '      <-- KSTREAM-KEY-SELECT-0000000002',
        '    Sink: counts-store-repartition-sink (topic: counts-store-repartition)',
        '      <-- counts-store-repartition-filter',
        '',
        '  Sub-topology: 1',
        '    Source: counts-store-repartition-source (topics: [counts-store-repartition])',
        '      --> KSTREAM-AGGREGATE-0000000003',
        '    Processor: KSTREAM-AGGREGATE-0000000003 (stores: [counts-store])',
        '      --> KTABLE-TOSTREAM-0000000007',
        '      <-- counts-store-repartition-source',
        '    Processor: KTABLE-TOSTREAM-0000000007 (stores: [])',
        '      --> KSTREAM-SINK-0000000008',
        '      <-- KSTREAM-AGGREGATE-0000000003',
        '    Sink: KSTREAM-SINK-0000000008 (topic: streams-wordcount-output)',
        '      <-- KTABLE-TOSTREAM-0000000007',
        '',
        '',
      ].join('\n'),
    );
  });

  it('describes a global store between sub-topologies in id order', () => {
    const builder = newBuilder();
    builder.stream('a', { keySerde: Serdes.String(), valueSerde: Serdes.String() }).to('b');
    builder.globalTable('customers', { keySerde: Serdes.String(), valueSerde: Serdes.String() });
    builder.stream('c', { keySerde: Serdes.String(), valueSerde: Serdes.String() }).to('d');

    expect(builder.build().describe().toString()).toBe(
      [
        'Topologies:',
        '   Sub-topology: 0',
        '    Source: KSTREAM-SOURCE-0000000000 (topics: [a])',
        '      --> KSTREAM-SINK-0000000001',
        '    Sink: KSTREAM-SINK-0000000001 (topic: b)',
        '      <-- KSTREAM-SOURCE-0000000000',
        '',
        '  Sub-topology: 1 for global store (will not generate tasks)',
        '    Source: KSTREAM-SOURCE-0000000003 (topics: [customers])',
        '      --> KTABLE-SOURCE-0000000004',
        '    Processor: KTABLE-SOURCE-0000000004 (stores: [customers-STATE-STORE-0000000002])',
        '      --> none',
        '      <-- KSTREAM-SOURCE-0000000003',
        '  Sub-topology: 2',
        '    Source: KSTREAM-SOURCE-0000000005 (topics: [c])',
        '      --> KSTREAM-SINK-0000000006',
        '    Sink: KSTREAM-SINK-0000000006 (topic: d)',
        '      <-- KSTREAM-SOURCE-0000000005',
        '',
        '',
      ].join('\n'),
    );
  });

  it('names split branches after the splitter and burns an index per branch', () => {
    const builder = newBuilder();
    const source = builder.stream('in', { keySerde: Serdes.String(), valueSerde: Serdes.Long() });
    const branches = source
      .split()
      .branch((_k, v) => v > 10)
      .branch((_k, v) => v > 5, { name: '-medium' })
      .defaultBranch();
    expect([...branches.keys()]).toEqual([
      'KSTREAM-BRANCH-00000000011',
      'KSTREAM-BRANCH-0000000001-medium',
      'KSTREAM-BRANCH-00000000010',
    ]);
    (branches.get('KSTREAM-BRANCH-00000000010') as KStream<string, number>).to('small');

    const description = builder.build().describe();
    const splitter = description.subtopologies[0]?.nodes.find((n) => n.name === 'KSTREAM-BRANCH-0000000001');
    expect(splitter?.successors).toEqual([
      // The default branch has a sink below it, so its sub-tree is larger and it comes first.
      'KSTREAM-BRANCH-00000000010',
      'KSTREAM-BRANCH-0000000001-medium',
      'KSTREAM-BRANCH-00000000011',
    ]);
    // split (1) + three burned branch indexes (2, 3, 4): the sink is number 5.
    expect(description.subtopologies[0]?.nodes.map((n) => n.name)).toContain('KSTREAM-SINK-0000000005');
  });

  it('shows a dynamic sink by its extractor and several source topics as a set', () => {
    const builder = newBuilder();
    builder
      .stream(['left', 'right'], { keySerde: Serdes.String(), valueSerde: Serdes.String() })
      .to(function routeByKey(key) {
        return `out-${key}`;
      });
    expect(builder.build().describe().toString()).toContain(
      '    Source: KSTREAM-SOURCE-0000000000 (topics: [left, right])\n      --> KSTREAM-SINK-0000000001\n' +
        '    Sink: KSTREAM-SINK-0000000001 (extractor class: routeByKey)\n      <-- KSTREAM-SOURCE-0000000000\n',
    );
  });
});
