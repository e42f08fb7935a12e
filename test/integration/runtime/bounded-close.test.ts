import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { StreamsApp } from '../../../runtime/index.ts';
import { createLogger } from '../../../runtime/logger.ts';
import { Serdes, StreamsBuilder, type ProcessorContext } from '../../../topology/index.ts';
import { BOOTSTRAP, TestKafka, uniqueName } from '../../support/kafka.ts';

/**
 * close() on a busy app ends at the next record boundary, commits what was processed and leaves:
 * it does not first work through the whole fetched batch (a notification service with a backlog
 * of slow deliveries took 48 s to stop). The next owner goes on from the commit: every input
 * record is handled exactly once over both runs.
 */
const RECORDS = 600;
const SLOW_MS = 25; // 600 × 25 ms: 15 s of work in one fetch

let kafka: TestKafka;
beforeAll(async () => {
  kafka = await TestKafka.connect();
});
afterAll(async () => {
  await kafka.close();
});

function slowCopy(input: string, output: string) {
  const builder = new StreamsBuilder();
  builder
    .stream<string, string>(input, { keySerde: Serdes.String(), valueSerde: Serdes.String() })
    .process<string, string>(() => {
      let context: ProcessorContext<string, string>;
      return {
        init(ctx) {
          context = ctx;
        },
        // A slow delivery per record, like the notification service's SMTP calls.
        async process(record) {
          await new Promise((r) => setTimeout(r, SLOW_MS));
          context.forward(record);
        },
      };
    })
    .to(output, { keySerde: Serdes.String(), valueSerde: Serdes.String() });
  return builder.build();
}

test('close() stops at a record boundary within seconds, and the next run finishes exactly once', async () => {
  const input = uniqueName('close-in');
  const output = uniqueName('close-out');
  const applicationId = uniqueName('close');
  await kafka.createTopic(input, 1);
  await kafka.createTopic(output, 1);
  await kafka.produce(
    input,
    Array.from({ length: RECORDS }, (_, i) => ({ key: Buffer.from(`k${i}`), value: Buffer.from(`v${i}`) })),
  );
  const stateDir = mkdtempSync(join(tmpdir(), 'close-'));
  const start = () => {
    const app = new StreamsApp(
      slowCopy(input, output),
      { applicationId, bootstrapServers: [BOOTSTRAP], stateDir, instanceId: 'one' },
      { logger: createLogger('bounded-close') },
    );
    return app;
  };
  try {
    const first = start();
    await first.start();
    const deadline = Date.now() + 60_000;
    const processed = async () =>
      (await first.metrics.processed.get()).values.reduce((a, v) => a + v.value, 0);
    while ((await processed()) < 20) {
      if (Date.now() > deadline) throw new Error('nothing processed within 60 s');
      await new Promise((r) => setTimeout(r, 100));
    }
    const closing = Date.now();
    await first.close();
    const closeMs = Date.now() - closing;
    // Far less than the ≈ 15 s the rest of the fetched batch would take.
    expect(closeMs).toBeLessThan(8000);
    const afterFirst = (await kafka.readAll(output)).length;
    expect(afterFirst).toBeGreaterThan(0);
    expect(afterFirst).toBeLessThan(RECORDS);

    const second = start();
    await second.start();
    const until = Date.now() + 120_000;
    while ((await kafka.readAll(output)).length < RECORDS && Date.now() < until)
      await new Promise((r) => setTimeout(r, 250));
    await second.close();
  } finally {
    rmSync(stateDir, { recursive: true, force: true });
  }
  const keys = (await kafka.readAll(output)).map((r) => String(r.key));
  expect(keys).toEqual(Array.from({ length: RECORDS }, (_, i) => `k${i}`));
}, 240_000);
