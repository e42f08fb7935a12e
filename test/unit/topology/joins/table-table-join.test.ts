import { Serdes, StreamsBuilder } from '../../../../topology/index.ts';
import { TopologyTestDriver } from '../../../../testing/index.ts';
import { memoryDslStoreSuppliers } from '../../testing/support/memory-store.ts';

type Kind = 'join' | 'leftJoin' | 'outerJoin';

async function run(kind: Kind) {
  const builder = new StreamsBuilder({ dslStoreSuppliers: memoryDslStoreSuppliers });
  const users = builder.table<string, string>('users', {
    keySerde: Serdes.String(),
    valueSerde: Serdes.String(),
  });
  const cities = builder.table<string, string>('cities', {
    keySerde: Serdes.String(),
    valueSerde: Serdes.String(),
  });
  const joiner = (user: string | null, city: string | null) => `${user ?? '-'}@${city ?? '-'}`;
  const joined =
    kind === 'join'
      ? users.join(cities, joiner)
      : kind === 'leftJoin'
        ? users.leftJoin(cities, joiner)
        : users.outerJoin(cities, joiner);
  joined.toStream().to('out', { keySerde: Serdes.String(), valueSerde: Serdes.Json<string | null>() });
  const topology = builder.build();
  const driver = new TopologyTestDriver(topology, { applicationId: 'tt' });
  const u = driver.createInputTopic('users', Serdes.String(), Serdes.String());
  const c = driver.createInputTopic('cities', Serdes.String(), Serdes.String());
  const out = driver.createOutputTopic('out', Serdes.String(), Serdes.Json<string | null>());
  await u.pipeInput('k1', 'ada');
  await c.pipeInput('k1', 'paris');
  await c.pipeInput('k2', 'rome');
  await u.pipeInput('k1', 'grace');
  await c.pipeInput('k1', null);
  const records = out.readKeyValuesToList().map(({ key, value }) => `${key}=${value}`);
  const description = topology.describe().toString();
  await driver.close();
  return { records, description };
}

test('inner join: a row while both sides have one; a deleted side retracts it', async () => {
  expect((await run('join')).records).toEqual(['k1=ada@paris', 'k1=grace@paris', 'k1=null']);
});

test('left join: rows follow the left table; the right may be missing', async () => {
  expect((await run('leftJoin')).records).toEqual([
    'k1=ada@-',
    'k1=ada@paris',
    'k1=grace@paris',
    'k1=grace@-',
  ]);
});

test('outer join: rows while either side has one', async () => {
  expect((await run('outerJoin')).records).toEqual([
    'k1=ada@-',
    'k1=ada@paris',
    'k2=-@rome',
    'k1=grace@paris',
    'k1=grace@-',
  ]);
});

test('describe() shows Kafka Streams names: JOINTHIS / JOINOTHER / MERGE, each side reading the other store', async () => {
  const { description } = await run('join');
  expect(description).toMatch(/Processor: KTABLE-JOINTHIS-\d{10} \(stores: \[cities-STATE-STORE-\d{10}\]\)/);
  expect(description).toMatch(/Processor: KTABLE-JOINOTHER-\d{10} \(stores: \[users-STATE-STORE-\d{10}\]\)/);
  expect(description).toMatch(/Processor: KTABLE-MERGE-\d{10} \(stores: \[\]\)/);
  // Both tables are read together: one sub-topology.
  expect(description).not.toMatch(/Sub-topology: 1/);
});
