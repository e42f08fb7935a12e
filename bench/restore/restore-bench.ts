/**
 * Restoration: a count store with N distinct keys is built by an exactly-once app, then
 * (1) cold restore: the local state is deleted and a new instance restores the whole changelog;
 * (2) warm restart: the state is kept and only the (empty) tail is replayed.
 *
 *   node bench/restore/restore-bench.ts [--keys 200000]
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { KafkaClient, StreamsApp } from '../../runtime/index.ts';
import { Serdes, StreamsBuilder } from '../../topology/index.ts';

const { values } = parseArgs({
  options: {
    keys: { type: 'string', default: '200000' },
    bootstrap: { type: 'string', default: process.env.KAFKA_BOOTSTRAP ?? '127.0.0.1:19092' },
    help: { type: 'boolean', default: false },
  },
});
if (values.help) {
  process.stdout.write(
    'Usage: node bench/restore/restore-bench.ts [--keys 200000] [--bootstrap host:port]\n',
  );
  process.exit(0);
}
const KEYS = Number(values.keys);
const bootstrap = values.bootstrap as string;
const log = (line: string) => process.stderr.write(`[bench] ${line}\n`);
const id = `restore-${Date.now().toString(36)}`;
const input = `${id}-in`;

function topology() {
  const builder = new StreamsBuilder();
  builder
    .stream<string, string>(input, { keySerde: Serdes.String(), valueSerde: Serdes.String() })
    .groupByKey()
    .count({ storeName: 'counts', keySerde: Serdes.String() });
  return builder.build();
}

async function timeToReady(stateDir: string, instanceId: string): Promise<{ app: StreamsApp; ms: number }> {
  const started = performance.now();
  const app = new StreamsApp(topology(), {
    applicationId: id,
    bootstrapServers: [bootstrap],
    stateDir,
    instanceId,
  });
  await app.start();
  while (!app.isReady()) await new Promise((r) => setTimeout(r, 20));
  // Ready means restored and running; the restore counter says how much was replayed.
  return { app, ms: performance.now() - started };
}

const kafka = await KafkaClient.connect({ bootstrapServers: [bootstrap], clientId: `${id}-client` });
await kafka.createTopics([{ name: input, partitions: 1 }]);
log(`producing ${KEYS} distinct keys`);
for (let i = 0; i < KEYS; i += 10_000) {
  await kafka.produce(
    input,
    Array.from({ length: Math.min(10_000, KEYS - i) }, (_, j) => ({ key: `key-${i + j}`, value: 'x' })),
  );
}
const firstDir = mkdtempSync(join(tmpdir(), 'restore-a-'));
log('building the store (exactly-once)');
const builder = await timeToReady(firstDir, 'builder');
const changelog = `${id}-counts-changelog`;
const buildStarted = performance.now();
for (;;) {
  const all = await builder.app.queryAll<string, number>('counts');
  if (all.length >= KEYS) break;
  await new Promise((r) => setTimeout(r, 500));
}
log(`store built in ${((performance.now() - buildStarted) / 1000).toFixed(1)} s (${changelog})`);
await builder.app.close();

const coldDir = mkdtempSync(join(tmpdir(), 'restore-b-'));
log('cold restore into an empty state directory');
const cold = await timeToReady(coldDir, 'builder');
const restored = (await cold.app.metrics.restored.get()).values.reduce((sum, v) => sum + v.value, 0);
await cold.app.close();
log('warm restart with the state kept');
const warm = await timeToReady(coldDir, 'builder');
const warmRestored = (await warm.app.metrics.restored.get()).values.reduce((sum, v) => sum + v.value, 0);
await warm.app.close();
await kafka.close();
for (const dir of [firstDir, coldDir]) rmSync(dir, { recursive: true, force: true });

process.stdout.write(
  `| keys | cold restore | restored records | records/s | warm restart | replayed |\n|---|---|---|---|---|---|\n` +
    `| ${KEYS} | ${(cold.ms / 1000).toFixed(2)} s | ${restored} | ${Math.round(restored / (cold.ms / 1000))} | ${(warm.ms / 1000).toFixed(2)} s | ${warmRestored} |\n`,
);
