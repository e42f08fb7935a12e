import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { StreamsApp } from '../../runtime/index.ts';
import { Serdes } from '../../topology/index.ts';
import { BOOTSTRAP, TestKafka, uniqueName } from '../support/kafka.ts';
import { countingTopology, groupOf, type GroupTotals } from './fixtures/counting-topology.ts';

/**
 * Rebalancing: instances join (1 → 2 → 3) and leave (3 → 2) while records flow. Tasks move between
 * instances with their state (restored from changelogs); nothing may be lost or counted twice.
 */
const GROUPS = 9;
const PARTITIONS = 6;
const totalsSerde = Serdes.Json<GroupTotals>();
const longSerde = Serdes.Long();

let kafka: TestKafka;
beforeAll(async () => {
  kafka = await TestKafka.connect();
});
afterAll(async () => {
  await kafka.close();
});

test('scale up to three instances and down to two mid-stream: every record counted exactly once', async () => {
  const applicationId = uniqueName('scale');
  const input = uniqueName('scale-in');
  const output = uniqueName('scale-out');
  await kafka.createTopic(input, PARTITIONS);
  await kafka.createTopic(output, PARTITIONS);
  const dirs: string[] = [];
  const start = async (instanceId: string): Promise<StreamsApp> => {
    const stateDir = mkdtempSync(join(tmpdir(), `scale-${instanceId}-`));
    dirs.push(stateDir);
    const app = new StreamsApp(countingTopology({ input, output, groups: GROUPS }), {
      applicationId,
      bootstrapServers: [BOOTSTRAP],
      stateDir,
      instanceId,
      maxRecordsPerCommit: 100,
    });
    await app.start();
    return app;
  };

  const expected = new Map<string, GroupTotals>();
  let produced = 0;
  const produceWave = async (count: number) => {
    const records = Array.from({ length: count }, () => {
      const i = produced++;
      const key = `k${i % 53}`;
      const value = i % 100;
      const group = groupOf(key, GROUPS);
      const totals = expected.get(group) ?? { count: 0, sum: 0 };
      expected.set(group, { count: totals.count + 1, sum: totals.sum + value });
      return { key: Buffer.from(key), value: longSerde.serialize(input, value) };
    });
    await kafka.produce(input, records);
  };
  const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));

  const running: StreamsApp[] = [];
  try {
    running.push(await start('a'));
    await produceWave(800);
    await pause(1500);
    running.push(await start('b'));
    await produceWave(800);
    await pause(1500);
    running.push(await start('c'));
    await produceWave(800);
    await pause(1500);
    await (running.shift() as StreamsApp).close();
    await produceWave(800);

    const deadline = Date.now() + 90_000;
    const latest = new Map<string, number>();
    while (Date.now() < deadline) {
      for (const record of await kafka.readAll(output)) {
        if (record.key && record.value)
          latest.set(record.key.toString(), totalsSerde.deserialize(output, record.value).count);
      }
      if ([...expected].every(([group, totals]) => latest.get(group) === totals.count)) break;
      await pause(1000);
    }
  } finally {
    for (const app of running) await app.close();
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  }

  const sequences = new Map<string, number[]>();
  let sums = new Map<string, number>();
  for (const record of await kafka.readAll(output)) {
    const group = record.key?.toString() as string;
    const totals = totalsSerde.deserialize(output, record.value as Buffer);
    sequences.set(group, [...(sequences.get(group) ?? []), totals.count]);
    sums = sums.set(group, totals.sum);
  }
  for (const [group, totals] of expected) {
    // Per group the counts read 1..n: no record lost (gap) or processed twice (repeat).
    expect(sequences.get(group)).toEqual(Array.from({ length: totals.count }, (_, i) => i + 1));
    expect(sums.get(group)).toBe(totals.sum);
  }
  expect(produced).toBe(3200);
}, 240_000);
