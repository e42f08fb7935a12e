import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { KafkaGroupAdmin, StreamsApp } from '../../../runtime/index.ts';
import { Serdes, StreamsBuilder } from '../../../topology/index.ts';
import { BOOTSTRAP, TestKafka, uniqueName } from '../../support/kafka.ts';

/**
 * `npm run app:reset -- --application-id ID --input-topics T` on any topology of the engine: a
 * count through a repartition topic; the reset deletes its repartition topic and changelog but
 * not the internal topic of another application id that starts with ID-, and the app counts
 * every input again from the beginning.
 */
const strings = { keySerde: Serdes.String(), valueSerde: Serdes.String() };
const applicationId = uniqueName('clicks');
const input = uniqueName('clicks-in');
const output = uniqueName('clicks-out');
const neighbour = `${applicationId}-other`;
const neighbourTopic = `${neighbour}-kept-changelog`;
let kafka: TestKafka;
let admin: KafkaGroupAdmin;
let stateDir: string;

beforeAll(async () => {
  kafka = await TestKafka.connect();
  admin = new KafkaGroupAdmin({ clientId: `${applicationId}-test`, bootstrapServers: [BOOTSTRAP] });
  stateDir = mkdtempSync(join(tmpdir(), 'app-reset-generic-'));
  await kafka.createTopic(input, 2);
  await kafka.createTopic(output, 2);
  // Another application whose id starts with ours: a group and an internal topic of its own.
  await kafka.createTopic(neighbourTopic, 1);
  await admin.setOffsets(neighbour, new Map([[input, new Map([[0, 0n]])]]));
});

afterAll(async () => {
  await admin?.close();
  await kafka?.close();
  rmSync(stateDir, { recursive: true, force: true });
});

async function runCounts(expected: number): Promise<Map<string, number>> {
  const builder = new StreamsBuilder();
  builder
    .stream<string, string>(input, strings)
    .groupBy((_key, page) => page, strings)
    .count({ storeName: 'counts' })
    .toStream()
    .mapValues((n) => String(n))
    .to(output, strings);
  const app = new StreamsApp(builder.build(), { applicationId, bootstrapServers: [BOOTSTRAP], stateDir });
  await app.start();
  try {
    const deadline = Date.now() + 60_000;
    for (;;) {
      const records = await kafka.readAll(output);
      if (records.length >= expected || Date.now() > deadline) {
        const latest = new Map<string, number>();
        for (const r of records) latest.set(r.key?.toString() ?? '', Number(r.value?.toString()));
        return latest;
      }
      await new Promise((r) => setTimeout(r, 200));
    }
  } finally {
    await app.close();
  }
}

const reset = (...args: string[]) =>
  promisify(execFile)(
    process.execPath,
    [
      join(import.meta.dirname, '../../../app/reset-cli.ts'),
      '--application-id',
      applicationId,
      '--input-topics',
      input,
      '--state-dir',
      stateDir,
      '--bootstrap',
      BOOTSTRAP,
      ...args,
    ],
    { env: { ...process.env, LOG_LEVEL: 'warn' } },
  ).then(
    ({ stdout }) => ({ code: 0, stdout }),
    (error: { code: number; stdout: string; stderr: string }) => ({
      code: error.code,
      stdout: `${error.stdout}${error.stderr}`,
    }),
  );

test('generic reset: inputs to earliest, own internal topics and state gone, a neighbour kept, counted again', async () => {
  await kafka.produce(
    input,
    ['home', 'cart', 'home', 'home'].map((page, i) => ({
      key: Buffer.from(`u${i}`),
      value: Buffer.from(page),
    })),
  );
  expect(await runCounts(4)).toEqual(
    new Map([
      ['home', 3],
      ['cart', 1],
    ]),
  );
  const internal = (await admin.listTopics()).filter((t) => t.startsWith(`${applicationId}-`)).sort();
  expect(internal).toHaveLength(3); // the repartition topic, the changelog, the neighbour's

  const dry = await until(async () => {
    const answer = await reset('--dry-run');
    return answer.code === 0 ? answer : null;
  });
  expect(dry.stdout).toContain('DRY RUN');
  expect(dry.stdout).toContain('delete 2 topics:');
  expect(dry.stdout).not.toContain(neighbourTopic);

  expect(await reset()).toMatchObject({ code: 0 });
  expect((await admin.listTopics()).filter((t) => t.startsWith(`${applicationId}-`))).toEqual([
    neighbourTopic,
  ]);
  expect(existsSync(join(stateDir, applicationId))).toBe(false);
  const offsets = await admin.committedOffsets(applicationId);
  expect([...(offsets.get(input)?.values() ?? [])]).toEqual([0n, 0n]);
  expect([...offsets.keys()]).toEqual([input]);

  // Counted again from nothing: the same counts (a kept store would have made them 6 and 2).
  const again = await runCounts(8);
  expect(again).toEqual(
    new Map([
      ['home', 3],
      ['cart', 1],
    ]),
  );
});

async function until<T>(probe: () => Promise<T | null>, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== null) return value;
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 250));
  }
}
