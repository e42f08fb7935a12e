import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { StreamsApp } from '../../../runtime/index.ts';
import { Serdes, StreamsBuilder } from '../../../topology/index.ts';
import { BOOTSTRAP, TestKafka, metricTotal, uniqueName } from '../../support/kafka.ts';
import { pause } from '../../support/saga-process.ts';

/**
 * Standby replicas: with num.standby.replicas=1 each instance keeps a warm copy of the other's
 * stores from their changelogs. When one instance leaves, the other takes its tasks over and
 * restores only what its copy had not applied yet — not the whole changelog.
 */
const PARTITIONS = 4;
const KEYS = 2000;
const strings = { keySerde: Serdes.String(), valueSerde: Serdes.String() };

let kafka: TestKafka;
beforeAll(async () => {
  kafka = await TestKafka.connect();
});
afterAll(async () => {
  await kafka.close();
});

test('a standby keeps a warm copy: the instance taking tasks over restores only the tail', async () => {
  const applicationId = uniqueName('standby');
  const input = uniqueName('standby-in');
  const output = uniqueName('standby-out');
  await kafka.createTopic(input, PARTITIONS);
  await kafka.createTopic(output, PARTITIONS);
  const dirs: string[] = [];
  const start = async (instanceId: string) => {
    const builder = new StreamsBuilder();
    builder
      .stream<string, string>(input, strings)
      .groupByKey()
      .reduce((_old, latest) => latest, { storeName: 'latest' })
      .toStream()
      .to(output, strings);
    const stateDir = mkdtempSync(join(tmpdir(), `standby-${instanceId}-`));
    dirs.push(stateDir);
    const app = new StreamsApp(builder.build(), {
      applicationId,
      bootstrapServers: [BOOTSTRAP],
      stateDir,
      instanceId,
      numStandbyReplicas: 1,
      standbyCatchUpIntervalMs: 200,
    });
    await app.start();
    return app;
  };
  const a = await start('a');
  const b = await start('b');
  try {
    await kafka.produce(
      input,
      Array.from({ length: KEYS }, (_, i) => ({ key: Buffer.from(`k${i}`), value: Buffer.from(`v${i}`) })),
    );
    // Both process their half; each holds a copy of the other's half.
    let standbys = 0;
    let lag = Number.POSITIVE_INFINITY;
    for (
      let i = 0;
      i < 150 && (standbys < PARTITIONS || lag > 0 || (await kafka.readAll(output)).length < KEYS);
      i++
    ) {
      await pause(200);
      standbys = (await metricTotal(a.metrics.standbyTasks)) + (await metricTotal(b.metrics.standbyTasks));
      lag = (await metricTotal(a.metrics.standbyLag)) + (await metricTotal(b.metrics.standbyLag));
    }
    expect(standbys).toBe(PARTITIONS);
    expect(lag).toBe(0);
    expect(await metricTotal(b.metrics.activeTasks)).toBe(PARTITIONS / 2);

    // a leaves; b runs all four tasks, restoring (almost) nothing of a's half.
    const restoredBefore = await metricTotal(b.metrics.restored);
    await a.close();
    for (let i = 0; i < 150 && (await metricTotal(b.metrics.activeTasks)) < PARTITIONS; i++) await pause(200);
    expect(await metricTotal(b.metrics.activeTasks)).toBe(PARTITIONS);
    const restoredOnTakeover = (await metricTotal(b.metrics.restored)) - restoredBefore;
    // Without a copy, b would replay a's half of the changelog: about KEYS / 2 records.
    expect(restoredOnTakeover).toBeLessThan(KEYS / 20);

    // And it carries on from the right state: a second value per key comes out once.
    await kafka.produce(
      input,
      Array.from({ length: KEYS }, (_, i) => ({ key: Buffer.from(`k${i}`), value: Buffer.from(`w${i}`) })),
    );
    let outputs = await kafka.readAll(output);
    for (let i = 0; i < 150 && outputs.length < 2 * KEYS; i++) {
      await pause(200);
      outputs = await kafka.readAll(output);
    }
    expect(outputs).toHaveLength(2 * KEYS);
    const latest = new Map(outputs.map((r) => [String(r.key), String(r.value)]));
    expect([...latest.values()].every((v) => v.startsWith('w'))).toBe(true);
  } finally {
    await a.close();
    await b.close();
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  }
}, 120_000);
