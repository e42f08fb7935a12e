import {
  Serdes,
  StreamRecord,
  type Processor,
  type ProcessorContext,
  type KeyValue,
  type KStream,
  type KTable,
} from '../../../topology/index.ts';
import type { KeyValueStore } from '../../../state-stores/state-store.ts';
import { TopologyTestDriver } from '../../../testing/index.ts';
import { newBuilder } from '../testing/support/builders.ts';
import { memoryStoreBuilder } from '../testing/support/memory-store.ts';

const S = Serdes.String();
const L = Serdes.Long();

async function run(
  build: (builder: ReturnType<typeof newBuilder>) => void,
  inputs: [string | null, string | null][],
  outputTopic = 'out',
): Promise<KeyValue<string | null, string | null>[]> {
  const builder = newBuilder();
  build(builder);
  const driver = new TopologyTestDriver(builder.build(), { applicationId: 'ops' });
  try {
    const input = driver.createInputTopic('in', S, S);
    for (const [k, v] of inputs) await input.pipeInput(k, v);
    return driver.createOutputTopic(outputTopic, S, S).readKeyValuesToList();
  } finally {
    await driver.close();
  }
}

const source = (b: ReturnType<typeof newBuilder>) => b.stream('in', { keySerde: S, valueSerde: S });

describe('KStream stateless operators', () => {
  it('filter and filterNot', async () => {
    const inputs: [string, string][] = [
      ['a', 'keep'],
      ['b', 'drop'],
      ['c', 'keep'],
    ];
    expect(
      await run(
        (b) =>
          source(b)
            .filter((_k, v) => v === 'keep')
            .to('out'),
        inputs,
      ),
    ).toEqual([
      { key: 'a', value: 'keep' },
      { key: 'c', value: 'keep' },
    ]);
    expect(
      await run(
        (b) =>
          source(b)
            .filterNot((_k, v) => v === 'keep')
            .to('out'),
        inputs,
      ),
    ).toEqual([{ key: 'b', value: 'drop' }]);
  });

  it('map changes key and value types', async () => {
    const builder = newBuilder();
    source(builder)
      .map((k, v) => ({ key: v.length, value: `${k}:${v}` }))
      .to('out', { keySerde: L, valueSerde: S });
    const driver = new TopologyTestDriver(builder.build(), { applicationId: 'ops' });
    await driver.createInputTopic('in', S, S).pipeInput('a', 'xyz');
    expect(driver.createOutputTopic('out', L, S).readKeyValue()).toEqual({ key: 3, value: 'a:xyz' });
    await driver.close();
  });

  it('mapValues passes the key and keeps the key serde', async () => {
    expect(
      await run(
        (b) =>
          source(b)
            .mapValues((v, k) => `${k}=${v.toUpperCase()}`)
            .to('out', { valueSerde: S }),
        [['k', 'v']],
      ),
    ).toEqual([{ key: 'k', value: 'k=V' }]);
  });

  it('flatMap and flatMapValues emit zero or more records, in order', async () => {
    expect(
      await run(
        (b) =>
          source(b)
            .flatMap((k, v) => v.split(',').map((part) => ({ key: `${k}${part}`, value: part })))
            .to('out', { keySerde: S, valueSerde: S }),
        [
          ['k', 'a,b'],
          ['j', ''],
        ],
      ),
    ).toEqual([
      { key: 'ka', value: 'a' },
      { key: 'kb', value: 'b' },
      { key: 'j', value: '' },
    ]);
    expect(
      await run(
        (b) =>
          source(b)
            .flatMapValues((v) => v.split(',').filter(Boolean))
            .to('out', { valueSerde: S }),
        [
          ['k', 'a,b'],
          ['j', ''],
        ],
      ),
    ).toEqual([
      { key: 'k', value: 'a' },
      { key: 'k', value: 'b' },
    ]);
  });

  it('selectKey, peek and foreach', async () => {
    const peeked: string[] = [];
    const seen: string[] = [];
    expect(
      await run(
        (b) => {
          const keyed = source(b)
            .selectKey((_k, v) => v.slice(0, 1))
            .peek((k, v) => peeked.push(`${k}/${v}`));
          keyed.foreach((k) => seen.push(k));
          keyed.to('out', { keySerde: S });
        },
        [
          ['x', 'apple'],
          ['y', 'banana'],
        ],
      ),
    ).toEqual([
      { key: 'a', value: 'apple' },
      { key: 'b', value: 'banana' },
    ]);
    expect(peeked).toEqual(['a/apple', 'b/banana']);
    expect(seen).toEqual(['a', 'b']);
  });

  it('passes null keys and tombstones through stateless operators', async () => {
    expect(
      await run(
        (b) =>
          source(b)
            .peek(() => undefined)
            .to('out'),
        [
          [null, 'v'],
          ['k', null],
        ],
      ),
    ).toEqual([
      { key: null, value: 'v' },
      { key: 'k', value: null },
    ]);
  });

  it('split routes each record to the first matching branch, else the default', async () => {
    const builder = newBuilder();
    const branches = source(builder)
      .split({ name: 'size-' })
      .branch((_k, v) => v.length > 5, { name: 'big' })
      .branch((_k, v) => v.length > 2, { name: 'medium', chain: (s) => s.mapValues((v) => v.toUpperCase()) })
      .defaultBranch({ name: 'small' });
    expect([...branches.keys()]).toEqual(['size-big', 'size-medium', 'size-small']);
    branches.get('size-big')?.to('big');
    branches.get('size-medium')?.to('medium', { valueSerde: S });
    branches.get('size-small')?.to('small');
    const driver = new TopologyTestDriver(builder.build(), { applicationId: 'split' });
    const input = driver.createInputTopic('in', S, S);
    await input.pipeKeyValueList([
      { key: '1', value: 'enormous' },
      { key: '2', value: 'mid' },
      { key: '3', value: 'a' },
    ]);
    expect(driver.createOutputTopic('big', S, S).readValuesToList()).toEqual(['enormous']);
    expect(driver.createOutputTopic('medium', S, S).readValuesToList()).toEqual(['MID']);
    expect(driver.createOutputTopic('small', S, S).readValuesToList()).toEqual(['a']);
    await driver.close();
  });

  it('split without a default branch drops unmatched records', async () => {
    const out = await run(
      (b) => {
        const branches = source(b)
          .split()
          .branch((_k, v) => v === 'x')
          .noDefaultBranch();
        branches.get('KSTREAM-BRANCH-00000000011')?.to('out');
      },
      [
        ['a', 'x'],
        ['b', 'y'],
      ],
    );
    expect(out).toEqual([{ key: 'a', value: 'x' }]);
  });

  it('merge interleaves two streams in arrival order', async () => {
    const builder = newBuilder();
    const a = builder.stream('a', { keySerde: S, valueSerde: S });
    const b = builder.stream('b', { keySerde: S, valueSerde: S });
    a.merge(b).to('out');
    const topology = builder.build();
    expect(topology.copartitionGroups()).toEqual([['a', 'b']]);
    const driver = new TopologyTestDriver(topology, { applicationId: 'merge' });
    await driver.createInputTopic('a', S, S).pipeInput('1', 'a1');
    await driver.createInputTopic('b', S, S).pipeInput('2', 'b1');
    await driver.createInputTopic('a', S, S).pipeInput('3', 'a2');
    expect(driver.createOutputTopic('out', S, S).readValuesToList()).toEqual(['a1', 'b1', 'a2']);
    await driver.close();
  });

  it('to() with a TopicNameExtractor picks the topic per record', async () => {
    const builder = newBuilder();
    source(builder).to((key, _value, context) => `out-${key}-${context.topic}`);
    const driver = new TopologyTestDriver(builder.build(), { applicationId: 'dyn' });
    await driver.createInputTopic('in', S, S).pipeInput('eu', 'v1');
    await driver.createInputTopic('in', S, S).pipeInput('us', 'v2');
    expect(driver.createOutputTopic('out-eu-in', S, S).readValuesToList()).toEqual(['v1']);
    expect(driver.createOutputTopic('out-us-in', S, S).readValuesToList()).toEqual(['v2']);
    await driver.close();
  });

  it('keeps timestamps and headers through operators into sinks', async () => {
    const builder = newBuilder();
    source(builder)
      .mapValues((v) => v.length)
      .to('out', { valueSerde: L });
    const driver = new TopologyTestDriver(builder.build(), { applicationId: 'ts' });
    const headers = new Map([['traceparent', Buffer.from('00-abc-01')]]);
    await driver.createInputTopic('in', S, S).pipeInput('k', 'four', 1234, headers);
    const record = driver.createOutputTopic('out', S, L).readRecord();
    expect(record).toMatchObject({ key: 'k', value: 4, timestamp: 1234 });
    expect(record.headers.get('traceparent')?.toString()).toBe('00-abc-01');
    await driver.close();
  });
});

describe('KStream typing', () => {
  it('carries key and value types through the chain (checked by tsc)', () => {
    const builder = newBuilder();
    const strings: KStream<string, string> = source(builder);
    const lengths: KStream<string, number> = strings.mapValues((v) => v.length);
    const byLength: KStream<number, string> = strings.selectKey((_k, v) => v.length);
    const counts: KTable<number, number> = byLength.groupByKey({ keySerde: L }).count();
    const updates: KStream<number, number | null> = counts.toStream();
    // @ts-expect-error mapValues changed the value type to number
    const wrong: KStream<string, string> = strings.mapValues((v) => v.length);
    expect([lengths, updates, wrong].every((s) => typeof s.nodeName === 'string')).toBe(true);
  });
});

describe('KStream.repartition', () => {
  it('writes through <app>-<name>-repartition and continues in a new sub-topology', async () => {
    const builder = newBuilder();
    source(builder)
      .selectKey((_k, v) => v)
      .repartition({ name: 'by-value', keySerde: S, valueSerde: S, partitions: 4 })
      .mapValues((v) => `${v}!`)
      .to('out', { valueSerde: S });
    const topology = builder.build();
    const subs = topology.subtopologies('app');
    expect(subs.map((s) => [s.id, s.sourceTopics, s.sinkTopics])).toEqual([
      [0, ['in'], ['app-by-value-repartition']],
      [1, ['app-by-value-repartition'], ['out']],
    ]);
    expect(topology.internalTopics('app')).toEqual([
      expect.objectContaining({ name: 'app-by-value-repartition', type: 'repartition', partitions: 4 }),
    ]);
    const driver = new TopologyTestDriver(topology, { applicationId: 'app' });
    await driver.createInputTopic('in', S, S).pipeInput('k', 'v');
    expect(driver.createOutputTopic('app-by-value-repartition', S, S).readKeyValue()).toEqual({
      key: 'v',
      value: 'v',
    });
    expect(driver.createOutputTopic('out', S, S).readKeyValue()).toEqual({ key: 'v', value: 'v!' });
    await driver.close();
  });

  it('generates KSTREAM-REPARTITION names when unnamed', () => {
    const builder = newBuilder();
    source(builder).repartition().to('out');
    const text = builder.build().describe().toString();
    expect(text).toContain(
      'Sink: KSTREAM-SINK-0000000002 (topic: KSTREAM-REPARTITION-0000000001-repartition)',
    );
    expect(text).toContain(
      'Source: KSTREAM-SOURCE-0000000004 (topics: [KSTREAM-REPARTITION-0000000001-repartition])',
    );
  });
});

describe('KStream.process', () => {
  it('runs a custom processor with a store, and forwards to the next operator', async () => {
    const builder = newBuilder();
    builder.addStateStore(memoryStoreBuilder('seen', S, L));
    const dedupe = (): Processor<string, string, string, string> => {
      let ctx: ProcessorContext<string, string>;
      let store: KeyValueStore<string, number>;
      return {
        init(context) {
          ctx = context;
          store = context.getStateStore<KeyValueStore<string, number>>('seen');
        },
        async process(record) {
          const count = (await store.get(record.key)) ?? 0;
          await store.put(record.key, count + 1);
          if (count === 0)
            ctx.forward(new StreamRecord(record.key, `first:${record.value}`, record.timestamp));
        },
      };
    };
    source(builder).process(dedupe, { name: 'dedupe' }, 'seen').to('out', { keySerde: S, valueSerde: S });
    const topology = builder.build();
    expect(topology.describe().toString()).toContain('Processor: dedupe (stores: [seen])');
    const driver = new TopologyTestDriver(topology, { applicationId: 'proc' });
    const input = driver.createInputTopic('in', S, S);
    await input.pipeKeyValueList([
      { key: 'a', value: '1' },
      { key: 'a', value: '2' },
      { key: 'b', value: '3' },
    ]);
    expect(driver.createOutputTopic('out', S, S).readKeyValuesToList()).toEqual([
      { key: 'a', value: 'first:1' },
      { key: 'b', value: 'first:3' },
    ]);
    const store = await driver.getKeyValueStore<string, number>('seen');
    expect(await store.get('a')).toBe(2);
    expect(driver.changelogRecords('proc-seen-changelog')).toHaveLength(3);
    await driver.close();
  });
});
