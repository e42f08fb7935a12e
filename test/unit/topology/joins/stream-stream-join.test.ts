import { JoinWindows, Serdes, StreamsBuilder } from '../../../../topology/index.ts';
import { TopologyTestDriver } from '../../../../testing/index.ts';
import { memoryDslStoreSuppliers } from '../../testing/support/memory-store.ts';

async function run(left: boolean) {
  const builder = new StreamsBuilder({ dslStoreSuppliers: memoryDslStoreSuppliers });
  const views = builder.stream<string, string>('views', {
    keySerde: Serdes.String(),
    valueSerde: Serdes.String(),
  });
  const clicks = builder.stream<string, string>('clicks', {
    keySerde: Serdes.String(),
    valueSerde: Serdes.String(),
  });
  const windows = JoinWindows.ofTimeDifferenceAndGrace(10_000, 0);
  const joined = left
    ? views.leftJoin(clicks, (view, click) => `${view}+${click ?? '-'}`, windows)
    : views.join(clicks, (view, click) => `${view}+${click}`, windows);
  joined.to('out', { keySerde: Serdes.String(), valueSerde: Serdes.String() });
  const topology = builder.build();
  const driver = new TopologyTestDriver(topology, { applicationId: 'ss' });
  const v = driver.createInputTopic('views', Serdes.String(), Serdes.String());
  const c = driver.createInputTopic('clicks', Serdes.String(), Serdes.String());
  await v.pipeInput('ad1', 'view-a', 1_000);
  await c.pipeInput('ad1', 'click-a', 5_000); // within 10 s of view-a
  await c.pipeInput('ad2', 'click-b', 6_000); // no view for ad2
  await v.pipeInput('ad1', 'view-b', 20_000); // 15 s after click-a: outside the window
  await c.pipeInput('ad1', 'click-c', 25_000); // joins view-b only
  await v.pipeInput('ad1', 'view-late', 1_000); // late: click-a (5 s) is no longer retained by then
  const out = driver.createOutputTopic('out', Serdes.String(), Serdes.String()).readValuesToList();
  const description = topology.describe().toString();
  await driver.close();
  return { out, description };
}

test('inner windowed join: pairs within the time difference, from whichever side arrives second', async () => {
  expect((await run(false)).out).toEqual(['view-a+click-a', 'view-b+click-c']);
});

test('left windowed join: as Kafka Streams (≥ 3.1), an unmatched left record waits for its window to close', async () => {
  // view-a and view-b found their clicks before their windows closed: no (view, null) for them.
  // view-late's window closed long ago (stream time 25 s): it comes out with null at once.
  expect((await run(true)).out).toEqual(['view-a+click-a', 'view-b+click-c', 'view-late+-']);
});

test('left windowed join: a left record still unmatched when its window closes comes out with null, with its own timestamp', async () => {
  const builder = new StreamsBuilder({ dslStoreSuppliers: memoryDslStoreSuppliers });
  const strings = { keySerde: Serdes.String(), valueSerde: Serdes.String() };
  builder
    .stream<string, string>('views', strings)
    .leftJoin(
      builder.stream<string, string>('clicks', strings),
      (view, click) => `${view}+${click ?? '-'}`,
      JoinWindows.ofTimeDifferenceAndGrace(10_000, 1_000),
    )
    .to('out', strings);
  const driver = new TopologyTestDriver(builder.build(), { applicationId: 'ss-left' });
  const v = driver.createInputTopic('views', Serdes.String(), Serdes.String());
  const c = driver.createInputTopic('clicks', Serdes.String(), Serdes.String());
  const out = driver.createOutputTopic('out', Serdes.String(), Serdes.String());
  await v.pipeInput('ad1', 'view-a', 1_000);
  await c.pipeInput('ad9', 'click-x', 12_000); // stream time 12 s: view-a's window (to 11 s + 1 s grace) still open
  expect(out.readRecordsToList()).toEqual([]);
  await c.pipeInput('ad9', 'click-y', 12_001); // now closed
  expect(out.readRecordsToList().map((r) => [r.key, r.value, r.timestamp])).toEqual([
    ['ad1', 'view-a+-', 1_000],
  ]);
  await driver.close();
});

test('describe(): as Kafka Streams, a WINDOWED node per side buffers it, JOINTHIS / JOINOTHER read the other side, merged, one sub-topology', async () => {
  const { description } = await run(false);
  expect(description).toMatch(
    /Processor: KSTREAM-WINDOWED-\d{10} \(stores: \[KSTREAM-JOINTHIS-(\d{10})-store\]\)\n {6}--> KSTREAM-JOINTHIS-\1\n/,
  );
  expect(description).toMatch(
    /Processor: KSTREAM-JOINTHIS-\d{10} \(stores: \[KSTREAM-JOINOTHER-(\d{10})-store\]\)/,
  );
  expect(description).toMatch(
    /Processor: KSTREAM-JOINOTHER-\d{10} \(stores: \[KSTREAM-JOINTHIS-(\d{10})-store\]\)/,
  );
  expect(description).toMatch(/Processor: KSTREAM-MERGE-\d{10}/);
  expect(description).not.toMatch(/Sub-topology: 1/);
});

/**
 * The join buffers are segmented as Kafka Streams' join window stores (max(retention / 2, 60 s)):
 * a match across a segment boundary is still found, and what retention drops is deleted a whole
 * segment at a time, so the buffer does not grow with the stream.
 */
test('join buffers: matches across a segment boundary; records beyond retention are deleted by whole segments', async () => {
  const builder = new StreamsBuilder({ dslStoreSuppliers: memoryDslStoreSuppliers });
  const strings = { keySerde: Serdes.String(), valueSerde: Serdes.String() };
  builder
    .stream<string, string>('views', strings)
    .join(
      builder.stream<string, string>('clicks', strings),
      (view, click) => `${view}+${click}`,
      JoinWindows.ofTimeDifferenceAndGrace(10_000, 0),
    )
    .to('out', strings);
  const topology = builder.build();
  const driver = new TopologyTestDriver(topology, { applicationId: 'ss-segments' });
  const v = driver.createInputTopic('views', Serdes.String(), Serdes.String());
  const c = driver.createInputTopic('clicks', Serdes.String(), Serdes.String());
  const out = driver.createOutputTopic('out', Serdes.String(), Serdes.String());
  const viewsBuffer = /KSTREAM-JOINTHIS-\d{10}-store/.exec(topology.describe().toString())?.[0] ?? '';
  const buffered = async () =>
    (await (await driver.getKeyValueStore<Buffer, string>(viewsBuffer)).all()).length;

  // Retention 20 s, segments of 60 s: 59 s and 61 s lie in segments 0 and 1.
  await v.pipeInput('ad1', 'view-a', 59_000);
  await c.pipeInput('ad1', 'click-a', 61_000);
  expect(out.readValuesToList()).toEqual(['view-a+click-a']);

  for (let i = 0; i < 50; i++) await v.pipeInput(`bulk${i}`, `view-${i}`, 62_000 + i);
  expect(await buffered()).toBe(51);
  // Stream time 130 s: everything up to 110 s is beyond retention; segment 0 (0–59.999 s) is
  // dropped whole, segment 1 (60–119.999 s) still holds times retention keeps, so it stays.
  await v.pipeInput('ad1', 'view-b', 130_000);
  expect(await buffered()).toBe(51);
  // Stream time 141 s: all of segment 1 is beyond retention (≤ 121 s): only view-b is left.
  await v.pipeInput('ad2', 'view-c', 141_000);
  expect(await buffered()).toBe(2);
  // What is left still joins.
  await c.pipeInput('ad1', 'click-b', 135_000);
  expect(out.readValuesToList()).toEqual(['view-b+click-b']);
  await driver.close();
});
