import { JoinWindows, Serdes, StreamsBuilder, type StreamJoined } from '../../../../topology/index.ts';
import { TopologyTestDriver } from '../../../../testing/index.ts';
import {
  LeftOrRightListCodec,
  pendingKey,
} from '../../../../topology/internals/operators/kstream-kstream-outer-store.ts';
import { memoryDslStoreSuppliers } from '../../testing/support/memory-store.ts';

const strings = { keySerde: Serdes.String(), valueSerde: Serdes.String() };

/** views ⟗ clicks within 10 s, 1 s grace: a window closes 11 s after its record. */
function outerJoin(joined?: StreamJoined<string, string, string>) {
  const builder = new StreamsBuilder({ dslStoreSuppliers: memoryDslStoreSuppliers });
  builder
    .stream<string, string>('views', strings)
    .outerJoin(
      builder.stream<string, string>('clicks', strings),
      (view, click) => `${view ?? '-'}+${click ?? '-'}`,
      JoinWindows.ofTimeDifferenceAndGrace(10_000, 1_000),
      joined,
    )
    .to('out', strings);
  const topology = builder.build();
  const driver = new TopologyTestDriver(topology, { applicationId: 'ss-outer' });
  const views = driver.createInputTopic('views', Serdes.String(), Serdes.String());
  const clicks = driver.createInputTopic('clicks', Serdes.String(), Serdes.String());
  const out = driver.createOutputTopic('out', Serdes.String(), Serdes.String());
  const read = () => out.readRecordsToList().map((r) => [r.key, r.value, r.timestamp]);
  return { topology, driver, views, clicks, read };
}

test('a match within the window is joined with the later timestamp, and neither side comes out with null later', async () => {
  const { driver, views, clicks, read } = outerJoin();
  await views.pipeInput('ad1', 'view-a', 1_000);
  await clicks.pipeInput('ad1', 'click-a', 5_000);
  await clicks.pipeInput('ad9', 'click-z', 60_000); // closes every window above
  expect(read()).toEqual([['ad1', 'view-a+click-a', 5_000]]);
  await driver.close();
});

test('unmatched records of both sides wait until window + grace has passed, then come out oldest first, right before left at one timestamp', async () => {
  const { driver, views, clicks, read } = outerJoin();
  await views.pipeInput('ad1', 'view-a', 3_000);
  await clicks.pipeInput('ad2', 'click-b', 2_000);
  await views.pipeInput('ad3', 'view-c', 2_000);
  await clicks.pipeInput('ad9', 'click-x', 13_000); // click-b / view-c close at 13 s: not yet passed
  expect(read()).toEqual([]);
  await clicks.pipeInput('ad9', 'click-y', 13_001);
  expect(read()).toEqual([
    ['ad2', '-+click-b', 2_000],
    ['ad3', 'view-c+-', 2_000],
  ]);
  // view-a's window closes at 14 s, but as in Kafka Streams the last scan left the join's lower
  // bound of waiting timestamps at click-x (13 s), so nothing is scanned before 13 + 11 s.
  await views.pipeInput('ad8', 'view-y', 14_001);
  expect(read()).toEqual([]);
  await views.pipeInput('ad8', 'view-z', 24_001);
  expect(read()).toEqual([
    ['ad1', 'view-a+-', 3_000],
    ['ad9', '-+click-x', 13_000],
  ]);
  await driver.close();
});

test('a late match within the grace period removes the waiting record; a record whose window closed before it arrived comes out at once', async () => {
  const { driver, views, clicks, read } = outerJoin();
  await views.pipeInput('ad1', 'view-a', 1_000);
  await views.pipeInput('ad9', 'view-x', 11_500); // past view-a's window (11 s), within its grace
  await clicks.pipeInput('ad1', 'click-late', 9_000); // still joins view-a
  expect(read()).toEqual([['ad1', 'view-a+click-late', 9_000]]);
  await clicks.pipeInput('ad2', 'click-old', 500); // 500 + 10 s < stream time 11.5 s
  expect(read()).toEqual([['ad2', '-+click-old', 500]]);
  await views.pipeInput('ad9', 'view-y', 40_000);
  // view-a never comes out with null; view-x (11.5 s) does, click-late matched.
  expect(read()).toEqual([['ad9', 'view-x+-', 11_500]]);
  await driver.close();
});

test('null values (tombstones) are dropped on both sides but still advance stream time', async () => {
  const { driver, views, clicks, read } = outerJoin();
  await views.pipeInput('ad1', 'view-a', 1_000);
  await clicks.pipeInput('ad1', null, 2_000); // not a match
  await views.pipeInput('ad1', null, 3_000);
  await clicks.pipeInput('ad2', null, 30_000); // dropped, but stream time is now 30 s
  expect(read()).toEqual([]);
  // view-a's window closed: the next record at stream time emits it, before its own results.
  await clicks.pipeInput('ad3', 'click-c', 30_000);
  expect(read()).toEqual([['ad1', 'view-a+-', 1_000]]);
  await driver.close();
});

test('keyless records (Kafka Streams ≥ 3.7) come out at once with null for the other side, and advance stream time', async () => {
  const { driver, views, clicks, read } = outerJoin();
  await views.pipeInput(null, 'view-nokey', 1_000);
  await clicks.pipeInput(null, 'click-nokey', 30_000);
  await views.pipeInput(null, null, 31_000); // no value: dropped
  expect(read()).toEqual([
    [null, 'view-nokey+-', 1_000],
    [null, '-+click-nokey', 30_000],
  ]);
  // Stream time is 31 s (the dropped record advanced it too): a view at 5 s has no window left.
  await views.pipeInput('ad1', 'view-old', 5_000);
  expect(read()).toEqual([['ad1', 'view-old+-', 5_000]]);
  await driver.close();
});

test('two unmatched records of one key and timestamp both come out, in arrival order', async () => {
  const { driver, views, clicks, read } = outerJoin();
  await clicks.pipeInput('ad1', 'click-1', 1_000);
  await clicks.pipeInput('ad1', 'click-2', 1_000);
  await views.pipeInput('ad9', 'view-x', 20_000);
  expect(read()).toEqual([
    ['ad1', '-+click-1', 1_000],
    ['ad1', '-+click-2', 1_000],
  ]);
  await driver.close();
});

test('describe(): OUTERTHIS / OUTEROTHER and the KSTREAM-OUTERSHARED store, as Kafka Streams names them', async () => {
  const { topology, driver } = outerJoin();
  const text = topology.describe().toString();
  await driver.close();
  expect(text).toMatch(
    /Processor: KSTREAM-OUTERTHIS-(\d{10}) \(stores: \[KSTREAM-OUTEROTHER-(\d{10})-store, KSTREAM-OUTERSHARED-\1-store\]\)/,
  );
  expect(text).toMatch(
    /Processor: KSTREAM-OUTEROTHER-\d{10} \(stores: \[KSTREAM-OUTERTHIS-(\d{10})-store, KSTREAM-OUTERSHARED-\1-store\]\)/,
  );
});

test('describe(): a named outer join names its processors <name>-outer-this-join / -outer-other-join', async () => {
  const { topology, driver } = outerJoin({ name: 'vc' });
  const text = topology.describe().toString();
  await driver.close();
  expect(text).toContain('Processor: vc-this-windowed (stores: [KSTREAM-OUTERTHIS-');
  expect(text).toMatch(/Processor: vc-outer-this-join \(stores: \[.*KSTREAM-OUTERSHARED-\d{10}-store/);
  expect(text).toMatch(/Processor: vc-outer-other-join \(stores: \[.*KSTREAM-OUTERSHARED-\d{10}-store/);
  expect(text).toContain('<-- vc-outer-this-join, vc-outer-other-join');
});

test('outer store encoding: keys sort by timestamp, then right before left, then key; values keep a list of both sides', () => {
  const key = Buffer.from('k');
  const keys = [
    pendingKey(true, 2, key),
    pendingKey(false, 2, key),
    pendingKey(true, 1, Buffer.from('z')),
    pendingKey(false, 300, key),
  ];
  expect(
    [...keys].sort(Buffer.compare).map((k) => [Number(k.readBigInt64BE(0)), k[8], k.subarray(9).toString()]),
  ).toEqual([
    [1, 1, 'z'],
    [2, 0, 'k'],
    [2, 1, 'k'],
    [300, 0, 'k'],
  ]);
  const codec = new LeftOrRightListCodec('s', Serdes.String(), Serdes.Long());
  const one = codec.append(undefined, { left: true, value: 'v' });
  // Kafka Streams' LeftOrRightValue bytes (side 1 = left, then the value), length-prefixed.
  expect(one).toEqual(Buffer.from([0, 0, 0, 2, 1, 0x76]));
  const two = codec.append(one, { left: false, value: 7 });
  expect(codec.decode(two)).toEqual([
    { left: true, value: 'v' },
    { left: false, value: 7 },
  ]);
});
