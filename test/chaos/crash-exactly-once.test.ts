import { spawn, type ChildProcess } from 'node:child_process';
import { appendFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Serdes } from '../../topology/index.ts';
import { BOOTSTRAP, TestKafka, uniqueName } from '../support/kafka.ts';
import { groupOf, type GroupTotals } from './fixtures/counting-topology.ts';

/**
 * Exactly-once under SIGKILL: the app is killed at random moments (mid-batch, between produce and
 * commit, during restore) and restarted with the same identity, many times; then it runs to the
 * end. The books must balance: every group's output counts read 1..n with no gap or repeat, the
 * last sum equals the sum of its inputs, and the changelog (the store's durable state) agrees.
 */
const RECORDS = Number(process.env.CRASH_RECORDS ?? 6000);
const KILL_CYCLES = Number(process.env.CRASH_CYCLES ?? 12);
const GROUPS = 7;
const PARTITIONS = 3;
const APP_SCRIPT = join(import.meta.dirname, 'fixtures', 'counting-app.ts');
const longSerde = Serdes.Long();
const totalsSerde = Serdes.Json<GroupTotals>();

let kafka: TestKafka;
beforeAll(async () => {
  kafka = await TestKafka.connect();
});
/** Every app process started: killed after the tests whatever happened, so jest can exit. */
const started = new Set<ChildProcess>();
afterAll(async () => {
  for (const child of started) child.kill('SIGKILL');
  await kafka.close();
});

function startApp(env: Record<string, string>): {
  child: ChildProcess;
  exited: Promise<number | null>;
  running: Promise<void>;
} {
  const child = spawn(process.execPath, [APP_SCRIPT], {
    env: { ...process.env, ...env, LOG_LEVEL: process.env.CRASH_LOG_LEVEL ?? 'warn' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  started.add(child);
  let stdout = '';
  const running = new Promise<void>((resolve) => {
    child.stdout?.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
      if (stdout.includes('STATE RUNNING')) resolve();
    });
  });
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr = (stderr + chunk.toString()).slice(-4000);
    if (process.env.CRASH_LOG_FILE) appendFileSync(process.env.CRASH_LOG_FILE, chunk);
  });
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  exited.then((code) => {
    if (code !== null && code !== 0) process.stderr.write(`counting-app exited ${code}: ${stderr}\n`);
  });
  return { child, exited, running };
}

async function outputCounts(output: string): Promise<Map<string, number>> {
  const last = new Map<string, number>();
  for (const record of await kafka.readAll(output)) {
    if (!record.key || !record.value) continue;
    last.set(record.key.toString(), totalsSerde.deserialize(output, record.value).count);
  }
  return last;
}

async function waitUntil(check: () => Promise<boolean>, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 500));
  }
  throw new Error(`Timed out waiting for ${what}`);
}

test(`exactly-once survives ${KILL_CYCLES} SIGKILLs: ${RECORDS} records counted once each`, async () => {
  const applicationId = uniqueName('crash');
  const input = uniqueName('crash-in');
  const output = uniqueName('crash-out');
  await kafka.createTopic(input, PARTITIONS);
  await kafka.createTopic(output, PARTITIONS);
  const stateDir = mkdtempSync(join(tmpdir(), 'crash-state-'));
  const env = {
    APPLICATION_ID: applicationId,
    INPUT_TOPIC: input,
    OUTPUT_TOPIC: output,
    GROUP_COUNT: String(GROUPS),
    BOOTSTRAP,
    STATE_DIR: stateDir,
    INSTANCE_ID: 'crash-instance',
  };

  const expected = new Map<string, { count: number; sum: number }>();
  const inputs = Array.from({ length: RECORDS }, (_, i) => {
    const key = `k${i % 101}`;
    const value = (i * 7919) % 1000;
    const group = groupOf(key, GROUPS);
    const totals = expected.get(group) ?? { count: 0, sum: 0 };
    expected.set(group, { count: totals.count + 1, sum: totals.sum + value });
    return { key: Buffer.from(key), value: longSerde.serialize(input, value) };
  });
  // Input arrives while the app is being killed: a third up front, the rest in waves.
  const waves = [
    inputs.slice(0, RECORDS / 3),
    inputs.slice(RECORDS / 3, (2 * RECORDS) / 3),
    inputs.slice((2 * RECORDS) / 3),
  ];
  await kafka.produce(input, waves[0] as typeof inputs);

  let kills = 0;
  try {
    for (let cycle = 0; cycle < KILL_CYCLES; cycle++) {
      if (cycle === Math.floor(KILL_CYCLES / 3)) await kafka.produce(input, waves[1] as typeof inputs);
      if (cycle === Math.floor((2 * KILL_CYCLES) / 3)) await kafka.produce(input, waves[2] as typeof inputs);
      const { child, exited } = startApp(env);
      // Random moments: during start-up and restore, mid-batch, between produce and commit.
      await new Promise((r) => setTimeout(r, 300 + Math.random() * 2200));
      child.kill('SIGKILL');
      await exited;
      kills++;
    }

    const { child, exited, running } = startApp(env);
    // Its signal handlers must be installed before SIGTERM, or the default handler kills it.
    await running;
    await waitUntil(
      async () => {
        const counts = await outputCounts(output);
        return [...expected].every(([group, totals]) => counts.get(group) === totals.count);
      },
      120_000,
      'the final run to count every record',
    );
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
  } finally {
    rmSync(stateDir, { recursive: true, force: true });
  }

  // The books: per group, counts 1..n exactly once each, in order, and the last sum is right.
  const sequences = new Map<string, GroupTotals[]>();
  for (const record of await kafka.readAll(output)) {
    const group = record.key?.toString() as string;
    const list = sequences.get(group) ?? [];
    list.push(totalsSerde.deserialize(output, record.value as Buffer));
    sequences.set(group, list);
  }
  expect([...sequences.keys()].sort()).toEqual([...expected.keys()].sort());
  for (const [group, totals] of expected) {
    const seen = sequences.get(group) ?? [];
    expect(seen.map((t) => t.count)).toEqual(Array.from({ length: totals.count }, (_, i) => i + 1));
    expect(seen.at(-1)?.sum).toBe(totals.sum);
  }

  // The durable store state (its changelog, read_committed) equals a from-scratch recomputation.
  const changelog = `${applicationId}-group-totals-changelog`;
  const stored = new Map<string, GroupTotals>();
  for (const record of await kafka.readAll(changelog)) {
    if (record.key && record.value)
      stored.set(record.key.toString(), totalsSerde.deserialize(changelog, record.value));
  }
  expect(Object.fromEntries(stored)).toEqual(Object.fromEntries(expected));
  expect(kills).toBe(KILL_CYCLES);
}, 600_000);
