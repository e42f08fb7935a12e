/**
 * End-to-end latency of exactly-once topologies on the real broker: a one-hop topology
 * (source → mapValues → sink) and a three-hop one (two repartitions), fed at fixed rates.
 * Latency = output commit time − input record timestamp, measured by the engine's own
 * `kafka_streams_record_e2e_latency_seconds` on the final sink (quantiles read off its buckets,
 * so figures are upper bounds).
 *
 *   node bench/e2e/latency-bench.ts [--rates 100,1000] [--seconds 10] [--hops 1,3]
 */
import { parseArgs } from 'node:util';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { KafkaClient, StreamsApp } from '../../runtime/index.ts';
import { Serdes, StreamsBuilder, type Topology } from '../../topology/index.ts';

const { values } = parseArgs({
  options: {
    rates: { type: 'string', default: '100,1000' },
    seconds: { type: 'string', default: '10' },
    hops: { type: 'string', default: '1,3' },
    bootstrap: { type: 'string', default: process.env.KAFKA_BOOTSTRAP ?? '127.0.0.1:19092' },
    help: { type: 'boolean', default: false },
  },
});
if (values.help) {
  process.stdout.write(
    'Usage: node bench/e2e/latency-bench.ts [--rates 100,1000] [--seconds 10] [--hops 1,3] [--bootstrap host:port]\n',
  );
  process.exit(0);
}
const log = (line: string) => process.stderr.write(`[bench] ${line}\n`);

function topology(hops: number, input: string, output: string): Topology {
  const builder = new StreamsBuilder();
  let stream = builder.stream<string, string>(input, {
    keySerde: Serdes.String(),
    valueSerde: Serdes.String(),
  });
  for (let i = 1; i < hops; i++) {
    stream = stream
      .selectKey((key) => `${key}-${i}`)
      .repartition({ name: `hop${i}`, keySerde: Serdes.String(), valueSerde: Serdes.String() });
  }
  stream.mapValues((v) => v).to(output, { keySerde: Serdes.String(), valueSerde: Serdes.String() });
  return builder.build();
}

async function run(
  hops: number,
  rate: number,
  seconds: number,
): Promise<{ p50: number; p99: number; count: number }> {
  const id = `bench-${hops}h-${rate}-${Date.now().toString(36)}`;
  const kafka = await KafkaClient.connect({
    bootstrapServers: [values.bootstrap as string],
    clientId: `${id}-client`,
  });
  const input = `${id}-in`;
  const output = `${id}-out`;
  await kafka.createTopics([
    { name: input, partitions: 3 },
    { name: output, partitions: 3 },
  ]);
  const stateDir = mkdtempSync(join(tmpdir(), 'bench-'));
  const app = new StreamsApp(topology(hops, input, output), {
    applicationId: id,
    bootstrapServers: [values.bootstrap as string],
    stateDir,
  });
  await app.start();
  while (!app.isReady()) await new Promise((r) => setTimeout(r, 50));
  await new Promise((r) => setTimeout(r, 1000));
  const total = rate * seconds;
  const perTick = Math.max(1, Math.round(rate / 100));
  const started = Date.now();
  for (let sent = 0; sent < total; sent += perTick) {
    const due = started + (sent / rate) * 1000;
    if (due > Date.now()) await new Promise((r) => setTimeout(r, due - Date.now()));
    const now = Date.now();
    await kafka.produce(
      input,
      Array.from({ length: perTick }, (_, i) => ({
        key: `k${(sent + i) % 64}`,
        value: String(now),
        timestamp: now,
      })),
    );
  }
  // Wait until every record came out (read_committed) before reading the engine's histogram.
  let received = 0;
  const deadline = Date.now() + 30_000;
  while (received < total && Date.now() < deadline) {
    received += (await kafka.readNew(output)).length;
    await new Promise((r) => setTimeout(r, 200));
  }
  const histogram = await app.metrics.endToEndLatency.get();
  await app.close();
  await kafka.close();
  rmSync(stateDir, { recursive: true, force: true });
  // Reconstruct quantiles from the engine's histogram buckets (upper bounds, in ms).
  const buckets = histogram.values.filter(
    (v) => v.metricName?.endsWith('_bucket') && v.labels.topic === output,
  );
  const le = (b: (typeof buckets)[number]) => (b.labels as Record<string, string | number>).le;
  const count = buckets.find((b) => le(b) === '+Inf')?.value ?? 0;
  const at = (q: number) => {
    const hit = buckets.find((b) => b.value >= q * count);
    return hit ? Number(le(hit)) * 1000 : Number.NaN;
  };
  return { p50: at(0.5), p99: at(0.99), count };
}

const results: string[] = [];
for (const hops of (values.hops as string).split(',').map(Number)) {
  for (const rate of (values.rates as string).split(',').map(Number)) {
    log(`${hops} hop(s) at ${rate} records/s for ${values.seconds} s…`);
    const r = await run(hops, rate, Number(values.seconds));
    results.push(`| ${hops} | ${rate} | ${r.count} | ≤ ${r.p50} ms | ≤ ${r.p99} ms |`);
    log(`done: p50 ≤ ${r.p50} ms, p99 ≤ ${r.p99} ms over ${r.count} records`);
  }
}
process.stdout.write(
  '| hops | records/s | records | e2e p50 (bucket) | e2e p99 (bucket) |\n|---|---|---|---|---|\n' +
    results.join('\n') +
    '\n',
);
