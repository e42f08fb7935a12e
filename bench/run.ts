/**
 * `npm run bench`: the whole benchmark harness, one target after the other on the same broker and
 * the same open-loop load, so every ratio comes from one run. `--help` for the options.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { sagaTopics } from '../app/saga-topics.ts';
import { stackConfig } from '../stack/config.ts';
import { startFakeGateway, type FakeGateway } from '../connectors/testing.ts';
import { loadStock, runOpenLoop, type OpenLoopResult } from './load/open-loop.ts';
import { orderIdFor, skuName } from './load/order-factory.ts';
import { buildPeer, startPeer } from './peers/kafka-streams/peer.ts';
import { percentilePlotSvg, linePlotSvg } from './report/svg-plot.ts';
import { markdownTable } from './report/table.ts';
import { checkSagaBooks, type SagaBooks } from './saga/books.ts';
import { startPipelineTarget } from './targets/pipeline-target.ts';
import { RssSampler } from './targets/rss-sampler.ts';

const HELP = `Usage: npm run bench -- [options]

Runs each target at each offered rate under the same open-loop load (order i sent at t0 + i/rate,
latency from that intended time, HdrHistogram) on the local broker, one after the other:

  saga      our full saga as \`npm start\` runs it (order → RESERVED and → SHIPPED)
  core      our reservation half only (SERVICES=core: order saga + per-SKU inventory)
  ks-peer   the same reservation half on Kafka Streams (Java, EOS v2), bench/peers/kafka-streams

Each (target, rate) gets a fresh instance and topics, 1,000 SKUs with ample stock, orders of one
line. After each saga run the books are checked (one terminal state per order, no oversell,
conservation, one charge per shipped order). Then the client comparison (bench/clients, if
installed) and the box ceiling (kafka-producer-perf-test).

  --targets LIST        default saga,core,ks-peer
  --rates LIST          orders/s, default 100,1000,3000,5000,10000
  --duration S          seconds of load per run (default 20)
  --p99-target MS       a rate is sustainable when p99 order→RESERVED ≤ this (default 500)
  --commit-interval MS  the Kafka Streams peer's commit.interval.ms (default 100)
  --stream-processes N  processes running our saga core (STREAM_PROCESSES, default 1)
  --avro                our targets write Avro through the stack's schema registry on the saga's
                        internal topics (SCHEMA_REGISTRY_URL; start it with stack:up -- --registry);
                        order-status stays JSON so the load generator reads it unchanged
  --no-clients          skip the client comparison
  --no-ceiling          skip kafka-producer-perf-test
  --drain-timeout S     how long to wait after the load for the last orders to settle (default 120)
  --gateway-latency MS  the fake payment gateway's added latency per call (default 1; real card
                        gateways answer in 100–300 ms)
  --out DIR             results folder (default bench/results/<timestamp>)
  --help

Results: <out>/results.json, <out>/results.md (tables) and SVG plots; logs in bench/results/logs/.
The stack must be up (npm run stack:up). Run it on an otherwise idle machine.`;

const { values } = parseArgs({
  options: {
    targets: { type: 'string', default: 'saga,core,ks-peer' },
    rates: { type: 'string', default: '100,1000,3000,5000,10000' },
    duration: { type: 'string', default: '20' },
    'p99-target': { type: 'string', default: '500' },
    'commit-interval': { type: 'string', default: '100' },
    'stream-processes': { type: 'string', default: '1' },
    avro: { type: 'boolean', default: false },
    'no-clients': { type: 'boolean', default: false },
    'no-ceiling': { type: 'boolean', default: false },
    'gateway-latency': { type: 'string', default: '1' },
    'drain-timeout': { type: 'string', default: '120' },
    out: { type: 'string' },
    help: { type: 'boolean', default: false },
  },
});
if (values.help) {
  process.stdout.write(`${HELP}\n`);
  process.exit(0);
}

type Target = 'saga' | 'core' | 'ks-peer';
const TARGETS: readonly Target[] = ['saga', 'core', 'ks-peer'];
const targets = values.targets.split(',') as Target[];
for (const t of targets) if (!TARGETS.includes(t)) fail(`unknown target ${t}; known: ${TARGETS.join(', ')}`);
const rates = values.rates.split(',').map(Number);
if (rates.some((r) => !Number.isFinite(r) || r <= 0))
  fail(`--rates must be positive numbers: ${values.rates}`);
const durationS = Number(values.duration);
const p99TargetMs = Number(values['p99-target']);
const bootstrap = process.env.KAFKA_BOOTSTRAP ?? '127.0.0.1:19092';
const registryUrl = stackConfig.schemaRegistryUrl;
const stamp = new Date().toISOString().replace(/[:.]/g, '-').slice(0, 19);
const out = values.out ?? join(import.meta.dirname, 'results', stamp);
const logDir = join(import.meta.dirname, 'results', 'logs');
mkdirSync(out, { recursive: true });
const SKUS = 1000;
const STOCK_PER_SKU = 1_000_000;
const RESERVED = 'RESERVED|REJECTED';

function fail(message: string): never {
  process.stderr.write(`${message}\n`);
  process.exit(2);
}
const say = (line: string) => process.stderr.write(`[bench] ${line}\n`);

interface RunRecord {
  target: Target;
  rate: number;
  result: OpenLoopResult;
  peakRssMb: number;
  books?: SagaBooks;
}

const records: RunRecord[] = [];

async function runTarget(target: Target, rate: number, gateway: FakeGateway): Promise<RunRecord> {
  const run = `b${Date.now().toString(36)}`;
  const prefix = `${run}-`;
  const applicationId = `${run}-${target}`;
  const topics = sagaTopics(applicationId, prefix);
  say(`${target} @ ${rate}/s: starting (prefix ${prefix})`);
  let sampler: RssSampler | undefined;
  let httpUrl = '';
  const stop: () => Promise<void> = await (async () => {
    if (target === 'ks-peer') {
      const peer = await startPeer({
        bootstrap,
        applicationId,
        prefix,
        partitions: 3,
        commitIntervalMs: Number(values['commit-interval']),
        emitCreated: true,
      });
      sampler = new RssSampler(peer.pid);
      return () => peer.stop();
    }
    const pipeline = await startPipelineTarget({
      bootstrap,
      applicationId,
      prefix,
      paymentGatewayUrl: gateway.url,
      services: target === 'saga' ? 'all' : 'core',
      streamProcesses: Number(values['stream-processes']),
      logDir,
      ...(values.avro ? { env: { SCHEMA_REGISTRY_URL: registryUrl } } : {}),
    });
    sampler = new RssSampler(pipeline.pid);
    httpUrl = pipeline.httpUrl;
    return () => pipeline.stop();
  })();
  try {
    await loadStock({ bootstrap, stockTopic: topics.stock, skus: SKUS, delta: STOCK_PER_SKU });
    await new Promise((r) => setTimeout(r, 2000));
    const idPrefix = `${run}-o`;
    const milestones = target === 'saga' ? [RESERVED, 'SHIPPED'] : [RESERVED];
    const result = await runOpenLoop({
      bootstrap,
      ordersTopic: topics.orders,
      statusTopic: topics.orderStatus,
      rate,
      durationS,
      skus: SKUS,
      idPrefix,
      milestones,
      drainTimeoutS: Number(values['drain-timeout']),
      ...(target === 'saga' ? {} : { terminalStatuses: ['RESERVED', 'REJECTED'] }),
      onProgress: (s) =>
        say(
          `${target} @ ${rate}/s ${s.phase} ${s.elapsedS.toFixed(0)} s: sent ${s.sent}, ` +
            Object.entries(s.completed)
              .map(([m, n]) => `${m} ${n} (p99 ${Math.round(s.p99SoFar[m] ?? Number.NaN)} ms)`)
              .join(', '),
        ),
    });
    const record: RunRecord = { target, rate, result, peakRssMb: sampler?.stop().peakMb ?? Number.NaN };
    if (target === 'saga') {
      say(`${target} @ ${rate}/s: checking the books`);
      // Releases and commits of the last orders land a moment after their final status.
      await new Promise((r) => setTimeout(r, 3000));
      record.books = await checkSagaBooks({
        bootstrap,
        statusTopic: topics.orderStatus,
        orderIds: Array.from({ length: result.sent }, (_, i) => orderIdFor(idPrefix, i)),
        linesPerOrder: 1,
        httpUrl,
        skus: Array.from({ length: SKUS }, (_, i) => skuName(i)),
        initialPerSku: STOCK_PER_SKU,
        successfulCharges: successfulChargesOf(gateway),
      });
      say(
        `books: ${record.books.violations.length === 0 ? 'INVARIANTS HOLD' : `${record.books.violations.length} violations, e.g. ${record.books.violations.slice(0, 3).join('; ')}`}`,
      );
    }
    return record;
  } finally {
    sampler?.stop();
    await stop();
  }
}

/** The gateway's charges, read once (charges() copies them all): successful ones per order. */
function successfulChargesOf(gateway: FakeGateway): (orderId: string) => number {
  const succeeded = new Map<string, number>();
  for (const [orderId, charges] of gateway.charges())
    succeeded.set(orderId, charges.filter((c) => c.status === 'succeeded').length);
  return (orderId) => succeeded.get(orderId) ?? 0;
}

function ceiling(): string {
  say('box ceiling: kafka-producer-perf-test, 1,000,000 records of 256 B, acks=all');
  const topic = `ceiling-${Date.now().toString(36)}`;
  const cli = join(import.meta.dirname, '../stack/cli.ts');
  spawnSync(process.execPath, [cli, 'kafka', 'topics', '--create', '--topic', topic, '--partitions', '3'], {
    encoding: 'utf8',
  });
  const run = spawnSync(
    process.execPath,
    [
      cli,
      'kafka',
      'producer-perf-test',
      '--topic',
      topic,
      '--num-records',
      '1000000',
      '--record-size',
      '256',
      '--throughput',
      '-1',
      '--producer-props',
      `bootstrap.servers=${bootstrap}`,
      'acks=all',
      'linger.ms=5',
    ],
    { encoding: 'utf8' },
  );
  return run.stdout.trim().split('\n').at(-1) ?? run.stderr.trim();
}

function clientComparison(): string | null {
  const script = join(import.meta.dirname, 'clients', 'compare.ts');
  const run = spawnSync(process.execPath, [script, '--messages', '200000'], { encoding: 'utf8' });
  if (run.status !== 0) {
    say(
      `client comparison skipped or failed (see bench/clients/README.md): ${run.stderr.trim().slice(-300)}`,
    );
    return null;
  }
  return run.stdout.trim();
}

const row = (r: RunRecord) => {
  const m = r.result.milestones;
  const reserved = m.find((x) => x.milestone === RESERVED);
  const shipped = m.find((x) => x.milestone === 'SHIPPED');
  const f = (n: number | undefined) =>
    n === undefined || !Number.isFinite(n) ? '—' : Math.round(n).toString();
  return [
    r.target,
    r.rate,
    f(reserved?.achievedRate),
    f(reserved?.p50Ms),
    f(reserved?.p99Ms),
    f(reserved?.p999Ms),
    f(shipped?.p50Ms),
    f(shipped?.p99Ms),
    f(shipped?.p999Ms),
    `${r.result.timedOut}`,
    f(r.peakRssMb),
    r.books ? (r.books.violations.length === 0 ? 'hold' : `${r.books.violations.length} violations`) : '—',
  ];
};

const gatewayLatencyMs = Number(values['gateway-latency']);
if (!Number.isInteger(gatewayLatencyMs) || gatewayLatencyMs < 0)
  fail(`--gateway-latency must be a whole number of ms, got ${values['gateway-latency']}`);
const gateway = await startFakeGateway({ latencyMs: gatewayLatencyMs });
try {
  if (targets.includes('ks-peer')) await buildPeer();
  say(
    `machine: ${cpus().length} cores; targets ${targets.join(', ')}; rates ${rates.join(', ')}/s; ${durationS} s each`,
  );
  for (const target of targets) {
    for (const rate of rates) {
      const record = await runTarget(target, rate, gateway);
      records.push(record);
      writeFileSync(join(out, 'results.json'), JSON.stringify({ records }, null, 2));
      const reserved = record.result.milestones.find((m) => m.milestone === RESERVED);
      // Far past capacity: higher rates only queue more (the sweep's early stop).
      if (reserved && reserved.p99Ms > p99TargetMs && reserved.achievedRate < 0.9 * rate) {
        say(
          `${target}: past capacity at ${rate}/s (p99 ${Math.round(reserved.p99Ms)} ms); skipping higher rates`,
        );
        break;
      }
    }
  }
} finally {
  await gateway.close();
}

const sections: string[] = [`# Benchmark ${stamp}`, ''];
sections.push(
  `Open loop, ${durationS} s per run, 1,000 SKUs, one line per order, latency from the intended send time (ms); payment gateway latency ${gatewayLatencyMs} ms${values.avro ? "; Avro through the schema registry on the saga's internal topics" : ''}.`,
  '',
  markdownTable(
    [
      'target',
      'offered/s',
      'achieved/s',
      'RESERVED p50',
      'p99',
      'p99.9',
      'SHIPPED p50',
      'p99',
      'p99.9',
      'timed out',
      'peak RSS MB',
      'books',
    ],
    records.map(row),
  ),
);
const sustainable = (target: Target) =>
  Math.max(
    0,
    ...records
      .filter((r) => r.target === target)
      .filter(
        (r) => (r.result.milestones.find((m) => m.milestone === RESERVED)?.p99Ms ?? Infinity) <= p99TargetMs,
      )
      .map((r) => r.rate),
  );
sections.push(
  '',
  `Highest offered rate with p99 order→RESERVED ≤ ${p99TargetMs} ms: ` +
    targets.map((t) => `${t} ${sustainable(t)}/s`).join(', '),
);
if (targets.includes('core') && targets.includes('ks-peer') && sustainable('ks-peer') > 0)
  sections.push(`Ratio core / ks-peer: ${(sustainable('core') / sustainable('ks-peer')).toFixed(2)}×`);
for (const target of targets) {
  const rows = records
    .filter((r) => r.target === target)
    .map((r) => ({
      offeredRate: r.rate,
      ...(r.result.milestones.find((m) => m.milestone === RESERVED) ?? {}),
    }))
    .filter(
      (r): r is typeof r & { p50Ms: number; p90Ms: number; p99Ms: number; p999Ms: number; maxMs: number } =>
        Number.isFinite(r.p50Ms as number),
    );
  writeFileSync(
    join(out, `${target}-percentiles.svg`),
    percentilePlotSvg({
      title: `${target}: order → RESERVED latency vs offered rate`,
      rows,
      targetMs: p99TargetMs,
    }),
  );
}
writeFileSync(
  join(out, 'p99-vs-rate.svg'),
  linePlotSvg({
    title: 'p99 order → RESERVED vs offered rate',
    xLabel: 'offered rate (orders/s)',
    yLabel: 'p99 latency (ms)',
    logY: true,
    series: targets.map((t) => ({
      name: t,
      points: records
        .filter((r) => r.target === t)
        .map(
          (r) =>
            [r.rate, r.result.milestones.find((m) => m.milestone === RESERVED)?.p99Ms ?? Number.NaN] as const,
        ),
    })),
  }),
);
if (!values['no-ceiling'])
  sections.push('', '## Box ceiling', '', '`kafka-producer-perf-test`: ' + ceiling());
if (!values['no-clients']) {
  const clients = clientComparison();
  if (clients) sections.push('', '## Kafka clients (bench/clients/compare.ts)', '', clients);
}
writeFileSync(join(out, 'results.md'), `${sections.join('\n')}\n`);
process.stdout.write(`${sections.join('\n')}\n\nresults: ${out}\n`);
