import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { StreamsApp, type StreamsState } from '../../runtime/index.ts';
import { createLogger } from '../../runtime/logger.ts';
import { Serdes } from '../../topology/index.ts';
import { restartBroker } from '../support/broker-restart.ts';
import { BOOTSTRAP, TestKafka, uniqueName } from '../support/kafka.ts';
import { countingTopology, groupOf, type GroupTotals } from '../chaos/fixtures/counting-topology.ts';

/**
 * The broker goes away while the app is in the middle of its work (produce requests and
 * transactions in flight), twice, and comes back. The app must resume by itself — no restart,
 * no ERROR — and every record must be counted exactly once. Before the recovery fix the thread
 * kept its producer, whose sequence numbers had run ahead of the broker's, and looped forever on
 * OUT_OF_ORDER_SEQUENCE_NUMBER; a rebuild that failed while the broker was down dropped its tasks.
 */
const RECORDS = 20_000;
const GROUPS = 7;
const PARTITIONS = 3;
const longSerde = Serdes.Long();
const totalsSerde = Serdes.Json<GroupTotals>();

let kafka: TestKafka;
beforeAll(async () => {
  kafka = await TestKafka.connect();
});
afterAll(async () => {
  await kafka.close();
});

async function lastCounts(output: string): Promise<Map<string, number>> {
  const last = new Map<string, number>();
  for (const record of await kafka.readAll(output))
    if (record.key && record.value)
      last.set(record.key.toString(), totalsSerde.deserialize(output, record.value).count);
  return last;
}

async function waitFor(check: () => Promise<boolean>, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown = null;
  for (;;) {
    const done = await check().catch((error: unknown) => {
      lastError = error;
      return false;
    });
    if (done) return;
    if (Date.now() > deadline) {
      const counts = await lastCounts(currentOutput).catch((e: unknown) => `unreadable: ${String(e)}`);
      throw new Error(
        `Timed out waiting for ${what}; last read error: ${String(lastError)}; last counts: ${JSON.stringify(counts instanceof Map ? [...counts] : counts)}`,
      );
    }
    await new Promise((r) => setTimeout(r, 200));
  }
}
let currentOutput = '';

test('the app resumes by itself after two broker restarts mid-stream, counting every record exactly once', async () => {
  const applicationId = uniqueName('restart');
  const input = uniqueName('restart-in');
  const output = uniqueName('restart-out');
  currentOutput = output;
  await kafka.createTopic(input, PARTITIONS);
  await kafka.createTopic(output, PARTITIONS);
  const expected = new Map<string, { count: number; sum: number }>();
  const inputs = Array.from({ length: RECORDS }, (_, i) => {
    const key = `k${i % 101}`;
    const value = (i * 7919) % 1000;
    const group = groupOf(key, GROUPS);
    const totals = expected.get(group) ?? { count: 0, sum: 0 };
    expected.set(group, { count: totals.count + 1, sum: totals.sum + value });
    return { key: Buffer.from(key), value: longSerde.serialize(input, value) };
  });
  const half = RECORDS / 2;
  await kafka.produce(input, inputs.slice(0, half));

  const stateDir = mkdtempSync(join(tmpdir(), 'restart-state-'));
  const app = new StreamsApp(
    countingTopology({ input, output, groups: GROUPS }),
    {
      applicationId,
      bootstrapServers: [BOOTSTRAP],
      stateDir,
      instanceId: 'restart-instance',
      // Many small transactions: the restarts land with produce requests in flight.
      maxRecordsPerCommit: 50,
    },
    { logger: createLogger('broker-restart-test') },
  );
  const states: StreamsState[] = [];
  app.on('state', (state) => states.push(state));
  try {
    await app.start();
    const processed = async () => [...(await lastCounts(output)).values()].reduce((a, b) => a + b, 0);
    await waitFor(async () => (await processed()) > 500, 60_000, 'processing to start');
    await restartBroker();
    await waitFor(async () => (await processed()) > half / 2, 90_000, 'processing after the first restart');
    await kafka.produce(input, inputs.slice(half));
    await restartBroker();
    await waitFor(
      async () => {
        const counts = await lastCounts(output);
        return [...expected].every(([group, totals]) => counts.get(group) === totals.count);
      },
      120_000,
      'every record to be counted after the second restart',
    );
    expect(app.state).toBe('RUNNING');
  } finally {
    await app.close();
    rmSync(stateDir, { recursive: true, force: true });
  }
  expect(states).not.toContain('ERROR');

  const sequences = new Map<string, number[]>();
  for (const record of await kafka.readAll(output)) {
    const group = record.key?.toString() as string;
    sequences.set(group, [
      ...(sequences.get(group) ?? []),
      totalsSerde.deserialize(output, record.value as Buffer).count,
    ]);
  }
  for (const [group, totals] of expected)
    expect([group, sequences.get(group)]).toEqual([
      group,
      Array.from({ length: totals.count }, (_, i) => i + 1),
    ]);
}, 400_000);
