import { Serdes, SessionWindows, StreamsBuilder, WindowedSerdes } from '../../../../topology/index.ts';
import { TopologyTestDriver } from '../../../../testing/index.ts';
import { memoryDslStoreSuppliers } from '../../testing/support/memory-store.ts';

test('sessions: activity within the gap extends a session, a bridging record merges two, late records are dropped', async () => {
  const builder = new StreamsBuilder({ dslStoreSuppliers: memoryDslStoreSuppliers });
  builder
    .stream<string, string>('clicks', { keySerde: Serdes.String(), valueSerde: Serdes.String() })
    .groupByKey({ keySerde: Serdes.String(), valueSerde: Serdes.String() })
    .windowedBy(SessionWindows.ofInactivityGapAndGrace(5_000, 10_000))
    .count()
    .toStream()
    .to('sessions', {
      keySerde: WindowedSerdes.sessionWindowedSerdeFrom(Serdes.String()),
      valueSerde: Serdes.Json<number | null>(),
    });
  const driver = new TopologyTestDriver(builder.build(), { applicationId: 'sessions' });
  const clicks = driver.createInputTopic('clicks', Serdes.String(), Serdes.String());
  const out = driver.createOutputTopic(
    'sessions',
    WindowedSerdes.sessionWindowedSerdeFrom(Serdes.String()),
    Serdes.Json<number | null>(),
  );
  await clicks.pipeInput('u', 'a', 1_000); // session [1 s, 1 s]
  await clicks.pipeInput('u', 'b', 4_000); // within 5 s: [1 s, 4 s]
  await clicks.pipeInput('u', 'c', 20_000); // new session [20 s, 20 s]
  await clicks.pipeInput('u', 'd', 12_000); // 8 s after 4 s, 8 s before 20 s: its own session
  await clicks.pipeInput('u', 'e', 16_000); // bridges [12 s] and [20 s] into [12 s, 20 s]
  await clicks.pipeInput('u', 'late', 2_000); // would extend [1 s, 4 s], which ended before 20 s − 10 s grace
  const updates = out
    .readKeyValuesToList()
    .map(({ key, value }) => `[${key?.window.start},${key?.window.end}]=${value}`);
  expect(updates).toEqual([
    '[1000,1000]=1',
    '[1000,1000]=null',
    '[1000,4000]=2',
    '[20000,20000]=1',
    '[12000,12000]=1',
    '[12000,12000]=null',
    '[20000,20000]=null',
    '[12000,20000]=3',
  ]);
  await driver.close();
});
