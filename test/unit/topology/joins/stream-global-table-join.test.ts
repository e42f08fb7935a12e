import { Serdes, StreamsBuilder } from '../../../../topology/index.ts';
import { TopologyTestDriver } from '../../../../testing/index.ts';
import { memoryDslStoreSuppliers } from '../../testing/support/memory-store.ts';

async function run(left: boolean): Promise<string[]> {
  const builder = new StreamsBuilder({ dslStoreSuppliers: memoryDslStoreSuppliers });
  const countries = builder.globalTable<string, string>('countries', {
    keySerde: Serdes.String(),
    valueSerde: Serdes.String(),
  });
  // Orders keyed by order id carry a country code: the lookup key comes from the value.
  const orders = builder.stream<string, string>('orders', {
    keySerde: Serdes.String(),
    valueSerde: Serdes.String(),
  });
  const byCountry = (_id: string, value: string) => value.split(':')[1] as string;
  const enriched = left
    ? orders.leftJoin(countries, byCountry, (order, country) => `${order}/${country ?? 'unknown'}`)
    : orders.join(countries, byCountry, (order, country) => `${order}/${country}`);
  enriched.to('out', { keySerde: Serdes.String(), valueSerde: Serdes.String() });
  const driver = new TopologyTestDriver(builder.build(), { applicationId: 'global' });
  await driver.createInputTopic('countries', Serdes.String(), Serdes.String()).pipeInput('FR', 'France');
  const input = driver.createInputTopic('orders', Serdes.String(), Serdes.String());
  await input.pipeInput('o1', 'o1:FR');
  await input.pipeInput('o2', 'o2:XX');
  const out = driver
    .createOutputTopic('out', Serdes.String(), Serdes.String())
    .readValuesToList() as string[];
  await driver.close();
  return out;
}

test('stream-globalTable join looks up a key selected from the value, without repartitioning', async () => {
  expect(await run(false)).toEqual(['o1:FR/France']);
});

test('stream-globalTable left join keeps records without a global value', async () => {
  expect(await run(true)).toEqual(['o1:FR/France', 'o2:XX/unknown']);
});
