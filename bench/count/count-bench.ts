/**
 * Engine against engine on equal work: an exactly-once count by key (stream → groupByKey → count →
 * to) over the same pre-produced input, on our engine and on Kafka Streams (Java), one after the
 * other on the same broker. Throughput = input records / time from RUNNING until the group's
 * committed offsets reach the end of the input. Each run's output is checked: the last count of
 * every key must add up to the input (nothing lost, nothing counted twice).
 *
 *   npm run bench:count -- [--records N] [--keys K] [--targets ours,ks-peer] [--caching]
 */
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { Admin } from '@platformatic/kafka';
import { KafkaClient, StreamsApp, createLogger } from '../../runtime/index.ts';
import { Serdes, StreamsBuilder } from '../../topology/index.ts';
import { buildPeer } from '../peers/kafka-streams/peer.ts';

const HELP = `Usage: npm run bench:count -- [options]

  --records N          input records (default 500000)
  --keys K             distinct keys (default: as many as records)
  --partitions P       input partitions (default 3)
  --targets LIST       ours,ks-peer (default both)
  --commit-interval MS Kafka Streams' commit.interval.ms (default 100)
  --caching            ours with the record cache on the count store
  --out DIR            results folder (default bench/results/<timestamp>-count)
  --help

The stack must be up (npm run stack:up); run it on an otherwise idle machine.`;

const { values } = parseArgs({
  options: {
    records: { type: 'string', default: '500000' },
    keys: { type: 'string' },
    partitions: { type: 'string', default: '3' },
    targets: { type: 'string', default: 'ours,ks-peer' },
    'commit-interval': { type: 'string', default: '100' },
    caching: { type: 'boolean', default: false },
    out: { type: 'string' },
    help: { type: 'boolean', default: false },
  },
});
if (values.help) {
  process.stdout.write(`${HELP}\n`);
  process.exit(0);
}
const records = Number(values.records);
const keys = Number(values.keys ?? values.records);
const partitions = Number(values.partitions);
const targets = (values.targets as string).split(',');
const bootstrap = process.env.KAFKA_BOOTSTRAP ?? '127.0.0.1:19092';
const run = `count${Date.now().toString(36)}`;
const say = (line: string) => process.stderr.write(`[bench:count] ${line}\n`);

interface Result {
  target: string;
  records: number;
  seconds: number;
  recordsPerSecond: number;
  exact: boolean;
  outputRecords: number;
}

const kafka = await KafkaClient.connect({ bootstrapServers: [bootstrap], clientId: `${run}-bench` });
const admin = new Admin({ clientId: `${run}-admin`, bootstrapBrokers: [bootstrap] });
const input = `${run}-in`;
await kafka.createTopics([{ name: input, partitions }]);
say(`producing ${records} records over ${keys} keys to ${input}…`);
const CHUNK = 20_000;
for (let start = 0; start < records; start += CHUNK) {
  const chunk = Array.from({ length: Math.min(CHUNK, records - start) }, (_, i) => ({
    key: `k${(start + i) % keys}`,
    value: '1',
  }));
  await kafka.produce(input, chunk);
  if ((start / CHUNK) % 10 === 0) say(`  ${start + chunk.length}/${records}`);
}

async function committedTotal(groupId: string): Promise<bigint> {
  const groups = await admin.listConsumerGroupOffsets({ groups: [groupId] }).catch(() => []);
  let total = 0n;
  for (const topic of groups[0]?.topics ?? [])
    if (topic.name === input)
      for (const p of topic.partitions) if (p.committedOffset > 0n) total += p.committedOffset;
  return total;
}

/** Waits until the group committed past every input record; returns seconds from `since`. */
async function waitDone(groupId: string, since: number): Promise<number> {
  const end = [...(await kafka.endOffsetsOf(input)).values()].reduce((a, b) => a + b, 0n);
  let lastLog = Date.now();
  for (;;) {
    const done = await committedTotal(groupId);
    if (done >= end) return (Date.now() - since) / 1000;
    if (Date.now() - lastLog > 5000) {
      lastLog = Date.now();
      say(`  ${groupId}: ${done}/${end} committed`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** The last count per key of the output must add up to the input. */
async function checkOutput(output: string): Promise<{ exact: boolean; outputRecords: number }> {
  const last = new Map<string, bigint>();
  const all = await kafka.readAll(output);
  for (const record of all) last.set(String(record.key), (record.value as Buffer).readBigInt64BE());
  const sum = [...last.values()].reduce((a, b) => a + b, 0n);
  return {
    exact: sum === BigInt(records) && last.size === Math.min(keys, records),
    outputRecords: all.length,
  };
}

async function runOurs(): Promise<Result> {
  const output = `${run}-ours-out`;
  await kafka.createTopics([{ name: output, partitions }]);
  const builder = new StreamsBuilder();
  builder
    .stream<string, string>(input, { keySerde: Serdes.String(), valueSerde: Serdes.String() })
    .groupByKey()
    .count({ storeName: 'counts', cachingEnabled: values.caching })
    .toStream()
    .to(output, { keySerde: Serdes.String(), valueSerde: Serdes.Long() });
  const stateDir = mkdtempSync(join(tmpdir(), 'count-ours-'));
  const applicationId = `${run}-ours`;
  const app = new StreamsApp(
    builder.build(),
    { applicationId, bootstrapServers: [bootstrap], stateDir },
    { logger: createLogger('count-ours') },
  );
  await app.start();
  const started = Date.now();
  say(`ours running; counting…`);
  const seconds = await waitDone(applicationId, started);
  await app.close();
  rmSync(stateDir, { recursive: true, force: true });
  const check = await checkOutput(output);
  return {
    target: values.caching ? 'ours (cached)' : 'ours',
    records,
    seconds,
    recordsPerSecond: records / seconds,
    ...check,
  };
}

async function runPeer(): Promise<Result> {
  const jar = await buildPeer();
  const output = `${run}-ks-out`;
  await kafka.createTopics([{ name: output, partitions }]);
  const applicationId = `${run}-ks`;
  const stateDir = mkdtempSync(join(tmpdir(), 'count-ks-'));
  const child = spawn(
    'java',
    [
      '-Xmx1g',
      '-cp',
      jar,
      'kspeer.CountPeer',
      '--bootstrap',
      bootstrap,
      '--application-id',
      applicationId,
      '--input',
      input,
      '--output',
      output,
      '--commit-interval-ms',
      String(values['commit-interval']),
      '--state-dir',
      stateDir,
    ],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  await new Promise<void>((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`count peer exited ${code} before it was ready`)));
    child.stdout.on('data', (chunk: Buffer) => {
      if (chunk.toString().includes('PEER READY')) resolve();
    });
  });
  const started = Date.now();
  say('ks-peer running; counting…');
  const seconds = await waitDone(applicationId, started);
  child.removeAllListeners('exit');
  child.kill('SIGTERM');
  await new Promise((r) => child.once('exit', r));
  rmSync(stateDir, { recursive: true, force: true });
  const check = await checkOutput(output);
  return { target: 'ks-peer', records, seconds, recordsPerSecond: records / seconds, ...check };
}

const results: Result[] = [];
for (const target of targets) {
  if (target === 'ours') results.push(await runOurs());
  else if (target === 'ks-peer') results.push(await runPeer());
  else throw new Error(`unknown target ${target}`);
  const last = results.at(-1) as Result;
  say(
    `${last.target}: ${last.seconds.toFixed(1)} s, ${Math.round(last.recordsPerSecond)} records/s, exact=${last.exact}`,
  );
}
await admin.close();
await kafka.close();

const peer = results.find((r) => r.target === 'ks-peer');
const lines = [
  `Exactly-once count by key: ${records} records, ${keys} keys, ${partitions} partitions, one after the other on the same broker.`,
  '',
  '| target | seconds | records/s | vs Kafka Streams | output records | books exact |',
  '|---|---|---|---|---|---|',
  ...results.map(
    (r) =>
      `| ${r.target} | ${r.seconds.toFixed(1)} | ${Math.round(r.recordsPerSecond).toLocaleString('en')} | ${peer ? `${(r.recordsPerSecond / peer.recordsPerSecond).toFixed(2)}×` : '—'} | ${r.outputRecords} | ${r.exact ? 'yes' : 'NO'} |`,
  ),
];
const out =
  values.out ??
  join('bench', 'results', `${new Date().toISOString().slice(0, 16).replace(/[:T]/g, '-')}-count`);
mkdirSync(out, { recursive: true });
writeFileSync(join(out, 'results.json'), JSON.stringify({ records, keys, partitions, results }, null, 2));
writeFileSync(join(out, 'results.md'), `${lines.join('\n')}\n`);
process.stdout.write(`${lines.join('\n')}\n\nwritten to ${out}\n`);
process.exit(results.every((r) => r.exact) ? 0 : 1);
