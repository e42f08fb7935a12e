import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { StreamsApp } from '../../../runtime/index.ts';
import { createLogger } from '../../../runtime/logger.ts';
import { Serdes } from '../../../topology/index.ts';
import { countingTopology, type GroupTotals } from '../../chaos/fixtures/counting-topology.ts';
import { BOOTSTRAP, TestKafka, metricTotal, uniqueName } from '../../support/kafka.ts';

/**
 * A commit larger than the broker accepts in one batch: the output topic takes batches of at most
 * 4 KiB, and a burst of input lets one commit carry about 20 times that for a single partition.
 * Before the producer split its requests, the commit failed with MESSAGE_TOO_LARGE, was replayed,
 * built the same batch and failed again, forever. Now every output record arrives, exactly once.
 */
const RECORDS = 3000;
const longSerde = Serdes.Long();
const totalsSerde = Serdes.Json<GroupTotals>();

let kafka: TestKafka;
beforeAll(async () => {
  kafka = await TestKafka.connect();
});
afterAll(async () => {
  await kafka.close();
});

test('a burst whose commit overflows the topic batch limit is produced in several requests, exactly once', async () => {
  const applicationId = uniqueName('limits');
  const input = uniqueName('limits-in');
  const output = uniqueName('limits-out');
  await kafka.createTopic(input, 1);
  await kafka.createTopic(output, 1, { 'max.message.bytes': '4096' });
  await kafka.produce(
    input,
    Array.from({ length: RECORDS }, (_, i) => ({
      key: Buffer.from(`k${i}`),
      value: longSerde.serialize(input, i),
    })),
  );
  const stateDir = mkdtempSync(join(tmpdir(), 'limits-state-'));
  const app = new StreamsApp(
    countingTopology({ input, output, groups: 1 }),
    {
      applicationId,
      bootstrapServers: [BOOTSTRAP],
      stateDir,
      instanceId: 'limits',
      maxRecordsPerCommit: RECORDS,
      // Liveness checks (and the lag gauge) every second.
      taskStallTimeoutMs: 2000,
    },
    { logger: createLogger('produce-limits-test') },
  );
  const counts = async () =>
    (await kafka.readAll(output)).map((r) => totalsSerde.deserialize(output, r.value as Buffer).count);
  try {
    await app.start();
    const deadline = Date.now() + 60_000;
    while ((await counts()).length < RECORDS && Date.now() < deadline && app.state === 'RUNNING')
      await new Promise((r) => setTimeout(r, 250));
    expect(app.state).toBe('RUNNING');
    // The lag gauge reaches 0 on the input once everything is processed.
    const lagOfInput = async () =>
      (await app.metrics.lag.get()).values.find((v) => v.labels.topic === input)?.value;
    const lagDeadline = Date.now() + 10_000;
    while ((await lagOfInput()) !== 0 && Date.now() < lagDeadline)
      await new Promise((r) => setTimeout(r, 250));
    expect(await lagOfInput()).toBe(0);
  } finally {
    await app.close();
    rmSync(stateDir, { recursive: true, force: true });
  }
  expect(await counts()).toEqual(Array.from({ length: RECORDS }, (_, i) => i + 1));
  const failed = await metricTotal(app.metrics.recoveries);
  expect(failed).toBe(0);
});
