import { Serdes, TopologyError, type Topology } from '../../../topology/index.ts';
import { newBuilder } from '../testing/support/builders.ts';

const S = Serdes.String();

/** a+b merged → count by new key (repartition) ; c alone. */
function mergedAndGrouped(): Topology {
  const builder = newBuilder();
  const a = builder.stream('a', { keySerde: S, valueSerde: S });
  const b = builder.stream('b', { keySerde: S, valueSerde: S });
  a.merge(b)
    .groupBy((_k, v) => v, { keySerde: S, name: 'by-value' })
    .count({ storeName: 'counts' });
  builder.stream('c', { keySerde: S, valueSerde: S }).to('d');
  return builder.build();
}

describe('co-partitioning and partition counts', () => {
  it('groups the sources of each sub-topology, resolving internal names with the application id', () => {
    const topology = mergedAndGrouped();
    expect(topology.copartitionGroups()).toEqual([['a', 'b']]);
    expect(topology.copartitionGroups('app')).toEqual([['a', 'b']]);
  });

  it('derives repartition and changelog counts from the upstream sources', () => {
    const counts = mergedAndGrouped().validatePartitionCounts(
      new Map([
        ['a', 6],
        ['b', 6],
        ['c', 2],
      ]),
      'app',
    );
    expect(Object.fromEntries(counts.topics)).toEqual({
      a: 6,
      b: 6,
      c: 2,
      'app-by-value-repartition': 6,
      'app-counts-changelog': 6,
    });
    // Ids follow sorted source names: `by-value-repartition-source` sorts after `KSTREAM-SOURCE-…` (c).
    expect([...counts.tasks.entries()]).toEqual([
      [0, 6],
      [1, 2],
      [2, 6],
    ]);
  });

  it('throws a TopologyError naming the topics when sources of a sub-topology differ', () => {
    const topology = mergedAndGrouped();
    const check = () =>
      topology.validatePartitionCounts(
        new Map([
          ['a', 3],
          ['b', 4],
          ['c', 1],
        ]),
      );
    expect(check).toThrow(TopologyError);
    expect(check).toThrow('Topics not co-partitioned in sub-topology 0: [a=3, b=4]');
  });

  it('throws when a source topic has no count', () => {
    expect(() => mergedAndGrouped().validatePartitionCounts(new Map([['a', 1]]))).toThrow(
      'Source topic b (sub-topology 0) has no partition count: does it exist?',
    );
  });

  it('a fixed repartition count wins, and must match external topics read with it', () => {
    const builder = newBuilder();
    builder
      .stream('in', { keySerde: S, valueSerde: S })
      .repartition({ name: 'wide', partitions: 12 })
      .groupByKey()
      .count({ storeName: 'n' });
    const counts = builder.build().validatePartitionCounts(new Map([['in', 3]]), 'app');
    expect(counts.topics.get('app-wide-repartition')).toBe(12);
    expect(counts.topics.get('app-n-changelog')).toBe(12);

    // A store shared by a processor on the repartitioned stream and one on an external topic puts
    // both topics in one sub-topology: their counts must agree.
    const shared = newBuilder();
    shared.addStateStore({
      name: 'shared',
      loggingEnabled: false,
      logConfig: {},
      build: () => {
        throw new Error('not built in this test');
      },
    });
    const noop = () => ({ process: () => undefined });
    shared
      .stream('in', { keySerde: S, valueSerde: S })
      .repartition({ name: 'r', partitions: 4 })
      .process(noop, 'shared');
    shared.stream('other', { keySerde: S, valueSerde: S }).process(noop, 'shared');
    const topology = shared.build();
    expect(topology.copartitionGroups('app')).toEqual([['app-r-repartition', 'other']]);
    expect(() =>
      topology.validatePartitionCounts(
        new Map([
          ['in', 1],
          ['other', 3],
        ]),
      ),
    ).toThrow(
      /repartition topic r-repartition is fixed at 4 partitions but its co-partitioned topics have 3/,
    );
    expect(
      topology
        .validatePartitionCounts(
          new Map([
            ['in', 1],
            ['other', 4],
          ]),
        )
        .topics.get('r-repartition'),
    ).toBe(4);
  });

  it('lists internal topics with Kafka Streams configs', () => {
    expect(mergedAndGrouped().internalTopics('app')).toEqual([
      {
        name: 'app-by-value-repartition',
        type: 'repartition',
        partitions: null,
        config: { 'cleanup.policy': 'delete', 'retention.ms': '-1', 'segment.bytes': '52428800' },
      },
      {
        name: 'app-counts-changelog',
        type: 'changelog',
        partitions: null,
        config: { 'cleanup.policy': 'compact' },
      },
    ]);
  });
});

describe('graph validation', () => {
  it('rejects duplicate names, shared source topics, unknown stores and double-added stores', () => {
    const builder = newBuilder();
    const s = builder.stream('in', { keySerde: S, valueSerde: S });
    s.filter(() => true, { name: 'f' });
    expect(() => s.filter(() => true, { name: 'f' })).toThrow(
      'Node f is already added; names must be unique',
    );
    expect(() => builder.stream('in')).toThrow(
      'Topic in is already read by source KSTREAM-SOURCE-0000000000',
    );
    expect(() => s.process(() => ({ process: () => undefined }), 'nope')).toThrow(
      /uses state store nope, which is not added/,
    );
    const store = {
      name: 'st',
      loggingEnabled: true,
      logConfig: {},
      build: () => {
        throw new Error('unused');
      },
    };
    builder.addStateStore(store);
    expect(() => builder.addStateStore(store)).toThrow('State store st is already added');
  });

  it('supports the Processor API on a bare Topology', async () => {
    const { Topology } = await import('../../../topology/index.ts');
    const topology = new Topology()
      .addSource('src', 'in', { keySerde: S, valueSerde: S })
      .addProcessor('upper', () => ({ process: () => undefined }), 'src')
      .addSink('sink', 'out', { keySerde: S, valueSerde: S }, 'upper');
    expect(topology.describe().toString()).toBe(
      'Topologies:\n   Sub-topology: 0\n' +
        '    Source: src (topics: [in])\n      --> upper\n' +
        '    Processor: upper (stores: [])\n      --> sink\n      <-- src\n' +
        '    Sink: sink (topic: out)\n      <-- upper\n\n',
    );
  });
});
