/**
 * What a rebalance costs the records flowing through: instances of a stateful app (latest value
 * per key, logged RocksDB store, exactly-once) run as separate processes under an open-loop load,
 * while the bench makes them join, leave (SIGTERM), come back (same instance id) and crash (-9).
 * Every output record carries its input's intended send time, so latency counts queueing. Per
 * phase: p50/p99/max latency and how many records took over 1 s; at the end, whether every input
 * record came out (read_committed) — the books of a rebalance.
 *
 *   npm run bench:rebalance -- [--rate 500] [--keys 100000] [--partitions 6] [--phase 15]
 *                              [--standbys 0] [--out DIR]
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { KafkaClient } from '../../runtime/index.ts';
import { LatencyHistogram } from '../load/latency-histogram.ts';
import { TailReader } from '../load/tail-reader.ts';

const HELP = `Usage: npm run bench:rebalance -- [options]

  --rate N        input records per second, open loop (default 500)
  --keys K        distinct keys; the store is preloaded with all of them (default 100000)
  --partitions P  input partitions = tasks (default 6)
  --phase S       seconds per phase (default 15)
  --standbys N    num.standby.replicas of every instance (default 0)
  --out DIR       results folder (default bench/results/<date>-rebalance)
  --help

Phases: two instances (a, b) → c joins → b leaves (SIGTERM) → b comes back → c is killed (-9).
The stack must be up (npm run stack:up); run it on an otherwise idle machine.`;

const { values } = parseArgs({
  options: {
    rate: { type: 'string', default: '500' },
    keys: { type: 'string', default: '100000' },
    partitions: { type: 'string', default: '6' },
    phase: { type: 'string', default: '15' },
    standbys: { type: 'string', default: '0' },
    out: { type: 'string' },
    help: { type: 'boolean', default: false },
  },
});
if (values.help) {
  process.stdout.write(`${HELP}\n`);
  process.exit(0);
}
const rate = Number(values.rate);
const keys = Number(values.keys);
const partitions = Number(values.partitions);
const phaseMs = Number(values.phase) * 1000;
const standbys = Number(values.standbys);
const bootstrap = process.env.KAFKA_BOOTSTRAP ?? '127.0.0.1:19092';
const run = `rebal${Date.now().toString(36)}`;
const outDir = values.out ?? join('bench', 'results', `${new Date().toISOString().slice(0, 10)}-rebalance`);
mkdirSync(outDir, { recursive: true });
const say = (line: string) => process.stderr.write(`[bench:rebalance] ${line}\n`);

const kafka = await KafkaClient.connect({ bootstrapServers: [bootstrap], clientId: `${run}-bench` });
const input = `${run}-in`;
const output = `${run}-out`;
await kafka.createTopics([
  { name: input, partitions },
  { name: output, partitions },
]);
say(`preloading ${keys} keys into ${input}…`);
for (let start = 0; start < keys; start += 20_000) {
  const chunk = Array.from({ length: Math.min(20_000, keys - start) }, (_, i) => ({
    key: `k${start + i}`,
    value: '0',
  }));
  await kafka.produce(input, chunk);
}

const stateRoot = mkdtempSync(join(tmpdir(), 'rebalance-bench-'));
const logPath = join(outDir, `${run}-instances.log`);
const log = createWriteStream(logPath);
const instances = new Map<string, ChildProcess>();

async function startInstance(id: string): Promise<void> {
  const child = spawn(
    process.execPath,
    [
      'bench/rebalance/instance.ts',
      '--bootstrap',
      bootstrap,
      '--application-id',
      run,
      '--input',
      input,
      '--output',
      output,
      '--instance',
      id,
      '--state-dir',
      join(stateRoot, id),
      '--standbys',
      String(standbys),
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  child.stderr?.pipe(log, { end: false });
  child.stdout?.pipe(log, { end: false });
  instances.set(id, child);
  await new Promise<void>((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`instance ${id} exited ${code} before it ran`)));
    child.stdout?.on('data', (chunk: Buffer) => {
      if (chunk.toString().includes('INSTANCE RUNNING')) resolve();
    });
  });
  child.removeAllListeners('exit');
}

async function stopInstance(id: string, signal: NodeJS.Signals): Promise<void> {
  const child = instances.get(id);
  if (!child) return;
  instances.delete(id);
  const exited = new Promise((r) => child.once('exit', r));
  child.kill(signal);
  await exited;
}

// The bench's clock is the wall clock: instances and the reader are other processes.
const sentAt = new Map<number, number>();
let received = 0;
interface Phase {
  name: string;
  startedAt: number;
  histogram: LatencyHistogram;
  over1s: number;
}
const phases: Phase[] = [];
const newPhase = (name: string) => {
  phases.push({ name, startedAt: Date.now(), histogram: new LatencyHistogram(), over1s: 0 });
  say(`phase: ${name}`);
};

const reader = await TailReader.start({
  bootstrap,
  topic: output,
  clientId: `${run}-reader`,
  onRecords(records) {
    const now = Date.now();
    for (const record of records) {
      const index = Number(String(record.value));
      const intended = sentAt.get(index);
      if (intended === undefined) continue; // the preload
      sentAt.delete(index);
      received++;
      const phase = phases.at(-1) as Phase;
      const latency = now - intended;
      phase.histogram.record(latency);
      if (latency > 1000) phase.over1s++;
    }
  },
});

say('starting instances a and b…');
await startInstance('a');
await startInstance('b');

// Open loop: every 10 ms, whatever is due by the schedule; the value is the record's index.
let sent = 0;
let sending = true;
const t0 = Date.now();
const sender = (async () => {
  while (sending) {
    const due = Math.floor(((Date.now() - t0) * rate) / 1000);
    if (due > sent) {
      const batch = [];
      for (let i = sent; i < due; i++) {
        sentAt.set(i + 1, t0 + (i * 1000) / rate);
        batch.push({ key: `k${(i * 7919) % keys}`, value: String(i + 1) });
      }
      sent = due;
      await kafka.produce(input, batch);
    } else await new Promise((r) => setTimeout(r, 10));
  }
})();

const wait = (ms: number) => new Promise((r) => setTimeout(r, ms));
newPhase('steady (a, b)');
await wait(phaseMs);
newPhase('c joins');
await startInstance('c');
await wait(phaseMs);
newPhase('b leaves (SIGTERM)');
await stopInstance('b', 'SIGTERM');
await wait(phaseMs);
newPhase('b comes back');
await startInstance('b');
await wait(phaseMs);
newPhase('c killed (-9)');
await stopInstance('c', 'SIGKILL');
await wait(phaseMs + 10_000);
sending = false;
await sender;
newPhase('drain');
const drainDeadline = Date.now() + 60_000;
while (sentAt.size > 0 && Date.now() < drainDeadline) await wait(200);

await reader.stop();
for (const id of [...instances.keys()]) await stopInstance(id, 'SIGTERM');
await kafka.close();
rmSync(stateRoot, { recursive: true, force: true });

const rows = phases.map((p) => ({
  phase: p.name,
  records: p.histogram.count,
  p50Ms: p.histogram.percentileMs(50),
  p99Ms: p.histogram.percentileMs(99),
  maxMs: p.histogram.percentileMs(100),
  over1s: p.over1s,
}));
const result = {
  run,
  rate,
  keys,
  partitions,
  phaseSeconds: phaseMs / 1000,
  standbys,
  sent,
  received,
  missing: sentAt.size,
  rows,
};
writeFileSync(join(outDir, `${run}.json`), `${JSON.stringify(result, null, 2)}\n`);
const table = [
  `rebalance bench ${run}: ${rate}/s, ${keys} keys, ${partitions} tasks, standbys ${standbys}`,
  '| phase | records | p50 ms | p99 ms | max ms | > 1 s |',
  '|---|---|---|---|---|---|',
  ...rows.map((r) => `| ${r.phase} | ${r.records} | ${r.p50Ms} | ${r.p99Ms} | ${r.maxMs} | ${r.over1s} |`),
  `sent ${sent}, received ${received}, missing ${sentAt.size}; instance logs: ${logPath}`,
].join('\n');
writeFileSync(join(outDir, `${run}.md`), `${table}\n`);
process.stdout.write(`${table}\n`);
process.exit(sentAt.size === 0 ? 0 : 1);
