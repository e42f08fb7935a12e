import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { StreamsApp } from '../../../runtime/index.ts';
import { parseCheckpoint } from '../../../runtime/internals/global-checkpoint.ts';
import { Serdes, StreamsBuilder } from '../../../topology/index.ts';
import { BOOTSTRAP, TestKafka, metricTotal, uniqueName } from '../../support/kafka.ts';
import { pause } from '../../support/saga-process.ts';

/**
 * Global tables on the broker: every instance bootstraps the whole table (all partitions) before
 * its stream tasks run, keeps it current, checkpoints per source partition and restarts from the
 * checkpoint (only the tail is read again), or from the beginning without its state directory.
 */
const TABLE_PARTITIONS = 3;
const ORDER_PARTITIONS = 2;
const CUSTOMERS = 30;
const strings = { keySerde: Serdes.String(), valueSerde: Serdes.String() };

let kafka: TestKafka;
beforeAll(async () => {
  kafka = await TestKafka.connect();
});
afterAll(async () => {
  await kafka.close();
});

test('stream–globalTable join reads the whole table, sees updates, restarts from its checkpoint', async () => {
  const applicationId = uniqueName('global');
  const table = uniqueName('global-customers');
  const orders = uniqueName('global-orders');
  const output = uniqueName('global-enriched');
  await kafka.createTopic(table, TABLE_PARTITIONS);
  await kafka.createTopic(orders, ORDER_PARTITIONS);
  await kafka.createTopic(output, ORDER_PARTITIONS);
  const stateDir = mkdtempSync(join(tmpdir(), 'global-tables-'));
  const checkpointPath = join(stateDir, applicationId, 'global', '.checkpoint');
  const start = async () => {
    const builder = new StreamsBuilder();
    const customers = builder.globalTable<string, string>(table, strings, { storeName: 'customers' });
    builder
      .stream<string, string>(orders, strings)
      .join(
        customers,
        (_orderId, customerId) => customerId,
        (customerId, name) => `${customerId}=${name}`,
      )
      .to(output, strings);
    const app = new StreamsApp(builder.build(), {
      applicationId,
      bootstrapServers: [BOOTSTRAP],
      stateDir,
      instanceId: 'only',
    });
    await app.start();
    return app;
  };
  const joined = async (count: number) => {
    let records = await kafka.readAll(output);
    for (let i = 0; i < 150 && records.length < count; i++) {
      await pause(200);
      records = await kafka.readAll(output);
    }
    return new Map(records.map((r) => [String(r.key), String(r.value)]));
  };

  await kafka.produce(
    table,
    Array.from({ length: CUSTOMERS }, (_, i) => ({
      key: Buffer.from(`c${i}`),
      value: Buffer.from(`name${i}`),
    })),
  );
  let app = await start();
  try {
    // (a) Every order joins, whichever table partition its customer is in.
    await kafka.produce(
      orders,
      Array.from({ length: CUSTOMERS }, (_, i) => ({
        key: Buffer.from(`o${i}`),
        value: Buffer.from(`c${i}`),
      })),
    );
    const first = await joined(CUSTOMERS);
    expect(first.size).toBe(CUSTOMERS);
    for (let i = 0; i < CUSTOMERS; i++) expect(first.get(`o${i}`)).toBe(`c${i}=name${i}`);
    expect(await metricTotal(app.metrics.restored)).toBe(CUSTOMERS);

    // (b) Table updates after start are seen by later joins.
    await kafka.produce(table, [
      { key: Buffer.from('c0'), value: Buffer.from('renamed') },
      { key: Buffer.from('c30'), value: Buffer.from('newcomer') },
    ]);
    for (
      let i = 0;
      i < 100 && (await app.queryKeyValue('customers', 'c30', Serdes.String())) === undefined;
      i++
    )
      await pause(100);
    expect(await app.queryKeyValue('customers', 'c0', Serdes.String())).toBe('renamed');
    await kafka.produce(orders, [
      { key: Buffer.from('p0'), value: Buffer.from('c0') },
      { key: Buffer.from('p30'), value: Buffer.from('c30') },
    ]);
    const second = await joined(CUSTOMERS + 2);
    expect(second.get('p0')).toBe('c0=renamed');
    expect(second.get('p30')).toBe('c30=newcomer');

    // (c) Closed, the checkpoint names each table partition's end.
    await app.close();
    const checkpoint = parseCheckpoint(readFileSync(checkpointPath, 'utf8'));
    expect(checkpoint.size).toBe(TABLE_PARTITIONS);
    const offsets = [...checkpoint.values()].map((e) => Number(e.offset));
    expect(offsets.reduce((a, b) => a + b, 0)).toBe(CUSTOMERS + 2);
    expect(offsets.filter((o) => o > 0).length).toBeGreaterThan(1);

    // Two table records while it is down: the restart reads those two only.
    await kafka.produce(table, [
      { key: Buffer.from('c1'), value: Buffer.from('while-down') },
      { key: Buffer.from('c31'), value: Buffer.from('late') },
    ]);
    app = await start();
    expect(await metricTotal(app.metrics.restored)).toBe(2);
    expect(await app.queryKeyValue('customers', 'c1', Serdes.String())).toBe('while-down');
    expect(await app.queryKeyValue('customers', 'c0', Serdes.String())).toBe('renamed');
    expect(await app.queryAll('customers')).toHaveLength(CUSTOMERS + 2);
    await app.close();

    // Without its state directory it bootstraps the whole topic again.
    rmSync(join(stateDir, applicationId), { recursive: true, force: true });
    app = await start();
    expect(await metricTotal(app.metrics.restored)).toBe(CUSTOMERS + 4);
    expect(await app.queryAll('customers')).toHaveLength(CUSTOMERS + 2);
    await kafka.produce(orders, [{ key: Buffer.from('q31'), value: Buffer.from('c31') }]);
    const third = await joined(CUSTOMERS + 3);
    expect(third.get('q31')).toBe('c31=late');
  } finally {
    await app.close();
    rmSync(stateDir, { recursive: true, force: true });
  }
}, 120_000);

test('a global record that cannot be decoded goes to the dead-letter topic, and the table goes on', async () => {
  const applicationId = uniqueName('global-dlq');
  const table = uniqueName('global-prices');
  const orders = uniqueName('global-dlq-orders');
  const output = uniqueName('global-dlq-out');
  const deadLetterTopic = uniqueName('global-dlq-dead');
  await kafka.createTopic(table, TABLE_PARTITIONS);
  await kafka.createTopic(orders, 1);
  await kafka.createTopic(output, 1);
  await kafka.produce(table, [
    { key: Buffer.from('a'), value: Buffer.from('{"price":1}') },
    { key: Buffer.from('b'), value: Buffer.from('not json') },
    { key: Buffer.from('c'), value: Buffer.from('{"price":3}') },
  ]);
  const stateDir = mkdtempSync(join(tmpdir(), 'global-dlq-'));
  const builder = new StreamsBuilder();
  const prices = builder.globalTable<string, { price: number }>(
    table,
    { keySerde: Serdes.String(), valueSerde: Serdes.Json<{ price: number }>() },
    { storeName: 'prices' },
  );
  builder
    .stream<string, string>(orders, strings)
    .join(
      prices,
      (_k, sku) => sku,
      (sku, p) => `${sku}:${p.price}`,
    )
    .to(output, strings);
  const app = new StreamsApp(builder.build(), {
    applicationId,
    bootstrapServers: [BOOTSTRAP],
    stateDir,
    deadLetterTopic,
  });
  try {
    await app.start();
    const dead = await kafka.readAll(deadLetterTopic);
    expect(dead).toHaveLength(1);
    expect(String(dead[0]?.key)).toBe('b');
    expect(dead[0]?.headers.get('error.stage')?.toString()).toBe('deserialize');
    expect(dead[0]?.headers.get('source.topic')?.toString()).toBe(table);
    await kafka.produce(orders, [
      { key: Buffer.from('o1'), value: Buffer.from('a') },
      { key: Buffer.from('o2'), value: Buffer.from('b') },
      { key: Buffer.from('o3'), value: Buffer.from('c') },
    ]);
    let out = await kafka.readAll(output);
    for (let i = 0; i < 100 && out.length < 2; i++) {
      await pause(200);
      out = await kafka.readAll(output);
    }
    // An inner join: the order for the dead-lettered row finds nothing.
    expect(out.map((r) => String(r.value)).sort()).toEqual(['a:1', 'c:3']);
  } finally {
    await app.close();
    rmSync(stateDir, { recursive: true, force: true });
  }
}, 120_000);
