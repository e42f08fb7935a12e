/**
 * Availability as a user behind a load balancer sees it: three instances of the whole pipeline
 * (`node app/main.ts`, every service) behind a round-robin client that posts orders and reads them
 * back, open loop. The client balances as a Kubernetes Service does: over the instances whose
 * /readyz answered 200 at its last probe (every 250 ms), and a request whose connection fails is
 * sent once more to the next one (posts are idempotent by orderId). Meanwhile the bench rolls all three (SIGTERM, restart, ready, next) and then
 * kills one with -9 and brings it back. Per phase: API success rate of posts and reads, order →
 * SHIPPED latency (from the intended send time), and the longest stall of order progress (the
 * longest time without any order reaching SHIPPED). At the end, the books: every accepted order
 * reached a terminal state.
 *
 *   npm run bench:availability -- [--rate 100] [--reads 100] [--standbys 1] [--phase 20] [--out DIR]
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, openSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { sagaTopics } from '../../app/saga-topics.ts';
import { startFakeGateway } from '../../connectors/testing.ts';
import { LatencyHistogram } from '../load/latency-histogram.ts';
import { loadStock } from '../load/stock.ts';
import { TailReader } from '../load/tail-reader.ts';

const HELP = `Usage: npm run bench:availability -- [options]

  --rate N       orders posted per second, round robin over the instances (default 100)
  --reads N      GET /orders/:id per second, round robin (default 100)
  --standbys N   NUM_STANDBY_REPLICAS of every instance (default 1)
  --phase S      seconds of steady load before and between the faults (default 20)
  --out DIR      results folder (default bench/results/<date>-availability)
  --help

Phases: steady → rolling restart of all three (SIGTERM, restart, /readyz, next) → steady →
kill -9 of one instance (restarted after the session timeout) → drain.
The stack must be up (npm run stack:up); run it on an otherwise idle machine.`;

const { values } = parseArgs({
  options: {
    rate: { type: 'string', default: '100' },
    reads: { type: 'string', default: '100' },
    standbys: { type: 'string', default: '1' },
    phase: { type: 'string', default: '20' },
    out: { type: 'string' },
    help: { type: 'boolean', default: false },
  },
});
if (values.help) {
  process.stdout.write(`${HELP}\n`);
  process.exit(0);
}
const rate = Number(values.rate);
const readRate = Number(values.reads);
const phaseMs = Number(values.phase) * 1000;
const bootstrap = process.env.KAFKA_BOOTSTRAP ?? '127.0.0.1:19092';
const run = `avail${Date.now().toString(36)}`;
const outDir =
  values.out ?? join('bench', 'results', `${new Date().toISOString().slice(0, 10)}-availability`);
mkdirSync(outDir, { recursive: true });
const say = (line: string) => process.stderr.write(`[bench:availability] ${line}\n`);
const wait = (ms: number) => new Promise((r) => setTimeout(r, ms));

const applicationId = `${run}-saga`;
const topics = sagaTopics(applicationId, `${run}-`);
const gateway = await startFakeGateway({ latencyMs: 2 });
const stateRoot = mkdtempSync(join(tmpdir(), 'availability-'));
const ports = [0, 1, 2].map((i) => 24_000 + Math.floor(Math.random() * 900) * 3 + i);
const urls = ports.map((p) => `http://127.0.0.1:${p}`);
const instances: (ChildProcess | null)[] = [null, null, null];

async function ready(i: number, timeoutMs = 120_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const ok = await fetch(`${urls[i]}/readyz`).then(
      (r) => r.ok,
      () => false,
    );
    if (ok) return;
    await wait(200);
  }
  throw new Error(`instance ${i} not ready after ${timeoutMs} ms`);
}

function start(i: number): void {
  const log = openSync(join(outDir, `${run}-instance-${i}.log`), 'a');
  instances[i] = spawn(process.execPath, ['app/main.ts'], {
    env: {
      ...process.env,
      KAFKA_BOOTSTRAP: bootstrap,
      APPLICATION_ID: applicationId,
      TOPIC_PREFIX: `${run}-`,
      INSTANCE_ID: `instance-${i}`,
      STATE_DIR: join(stateRoot, `instance-${i}`),
      HTTP_PORT: String(ports[i]),
      PAYMENT_GATEWAY_URL: gateway.url,
      NUM_STANDBY_REPLICAS: values.standbys,
      LOG_LEVEL: 'info',
    },
    stdio: ['ignore', log, log],
  });
}

async function stop(i: number, signal: NodeJS.Signals): Promise<void> {
  const child = instances[i];
  if (!child) return;
  instances[i] = null;
  const exited = new Promise((r) => child.once('exit', r));
  child.kill(signal);
  await exited;
}

// Per phase: API outcomes, SHIPPED latencies and the longest gap between SHIPPED events.
interface Phase {
  name: string;
  posts: { ok: number; failed: number };
  reads: { ok: number; failed: number };
  shipped: LatencyHistogram;
  lastShippedAt: number;
  longestStallMs: number;
}
const phases: Phase[] = [];
const phase = () => phases.at(-1) as Phase;
function newPhase(name: string): void {
  const previous = phases.at(-1);
  phases.push({
    name,
    posts: { ok: 0, failed: 0 },
    reads: { ok: 0, failed: 0 },
    shipped: new LatencyHistogram(),
    lastShippedAt: previous?.lastShippedAt ?? Date.now(),
    longestStallMs: 0,
  });
  say(`phase: ${name}`);
}

// The balancer's view: which instances passed their last readiness probe.
const healthy = new Set<number>();
let probing = true;
const prober = (async () => {
  while (probing) {
    await Promise.all(
      [0, 1, 2].map(async (i) => {
        const ok = await fetch(`${urls[i]}/readyz`, { signal: AbortSignal.timeout(500) }).then(
          (r) => r.ok,
          () => false,
        );
        if (ok) healthy.add(i);
        else healthy.delete(i);
      }),
    );
    await wait(250);
  }
})();
let turn = 0;
/** Round robin over the ready instances; a failed connection goes once to the next one. */
async function balanced(path: string, init: RequestInit = {}): Promise<number> {
  for (let attempt = 0; attempt < 2; attempt++) {
    const ready = [...healthy].sort();
    const i = ready.length > 0 ? (ready[turn++ % ready.length] as number) : turn++ % 3;
    const status = await fetch(`${urls[i]}${path}`, { ...init, signal: AbortSignal.timeout(5000) }).then(
      (r) => r.status,
      () => 0,
    );
    if (status !== 0) return status;
  }
  return 0;
}

const intendedAt = new Map<string, number>();
const acceptedOrder: string[] = [];
const accepted = new Set<string>();
const terminal = new Set<string>();
const TERMINAL = new Set(['SHIPPED', 'REJECTED', 'CANCELLED', 'EXPIRED']);

say(`starting three instances of the pipeline (standbys ${values.standbys}); logs in ${outDir}`);
for (const i of [0, 1, 2]) start(i);
for (const i of [0, 1, 2]) await ready(i);
await loadStock({ bootstrap, stockTopic: topics.stock, skus: 100, delta: 1_000_000 });
// Stock and orders race on different paths: wait until the stock is there.
for (let n = 0; n < 300; n++) {
  const stock = await fetch(`${urls[0]}/stock/SKU-99`).then(
    async (r) => (r.ok ? ((await r.json()) as { onHand: number }).onHand : 0),
    () => 0,
  );
  if (stock > 0) break;
  await wait(200);
}

const reader = await TailReader.start({
  bootstrap,
  topic: topics.orderStatus,
  clientId: `${run}-status`,
  onRecords(records) {
    const now = Date.now();
    for (const record of records) {
      let event: { orderId?: string; status?: string };
      try {
        event = JSON.parse(String(record.value)) as { orderId?: string; status?: string };
      } catch {
        continue;
      }
      if (!event.orderId || !event.status || !TERMINAL.has(event.status) || terminal.has(event.orderId))
        continue;
      terminal.add(event.orderId);
      if (event.status !== 'SHIPPED') continue;
      const p = phase();
      p.longestStallMs = Math.max(p.longestStallMs, now - p.lastShippedAt);
      p.lastShippedAt = now;
      const intended = intendedAt.get(event.orderId);
      if (intended !== undefined) p.shipped.record(now - intended);
    }
  },
});

// Open loop: order i is due at t0 + i/rate, read j at t0 + j/readRate, whatever the answers.
let sending = true;
let posted = 0;
let read = 0;
const t0 = Date.now();
const inFlight = new Set<Promise<void>>();
const track = (work: Promise<void>) => {
  inFlight.add(work);
  void work.finally(() => inFlight.delete(work));
};
async function post(index: number): Promise<void> {
  const orderId = `${run}-${index}`;
  const intended = t0 + (index * 1000) / rate;
  intendedAt.set(orderId, intended);
  const body = JSON.stringify({
    orderId,
    customerId: 'availability',
    items: [{ sku: `SKU-${index % 100}`, quantity: 1, unitPrice: 1000 }],
    currency: 'EUR',
    paymentMethod: 'card',
    contact: {},
  });
  const ok =
    (await balanced('/orders', { method: 'POST', headers: { 'content-type': 'application/json' }, body })) ===
    202;
  if (ok) {
    accepted.add(orderId);
    acceptedOrder.push(orderId);
  }
  const counts = phase().posts;
  if (ok) counts.ok++;
  else counts.failed++;
}
async function readBack(index: number): Promise<void> {
  // An order accepted a few seconds ago: it exists by then, so only 200 is a success.
  const target = acceptedOrder[Math.max(0, acceptedOrder.length - 1 - rate * 3 - (index % 50))];
  if (target === undefined) return;
  const ok = (await balanced(`/orders/${target}`)) === 200;
  const counts = phase().reads;
  if (ok) counts.ok++;
  else counts.failed++;
}
const sender = (async () => {
  while (sending) {
    const elapsed = Date.now() - t0;
    while (posted < Math.floor((elapsed * rate) / 1000)) track(post(posted++));
    while (read < Math.floor((elapsed * readRate) / 1000)) {
      if (posted > rate * 4) track(readBack(read));
      read++;
    }
    await wait(5);
  }
})();

newPhase('steady');
await wait(phaseMs);
newPhase('rolling restart (SIGTERM, restart, ready; one after another)');
const rollStarted = Date.now();
for (const i of [0, 1, 2]) {
  await stop(i, 'SIGTERM');
  start(i);
  await ready(i);
}
const rollMs = Date.now() - rollStarted;
newPhase('steady after the roll');
await wait(phaseMs);
newPhase('kill -9 of instance 1 (restarted 15 s later)');
await stop(1, 'SIGKILL');
await wait(15_000);
start(1);
await ready(1);
await wait(phaseMs);
sending = false;
await sender;
await Promise.allSettled([...inFlight]);
newPhase('drain');
const drainDeadline = Date.now() + 90_000;
while ([...accepted].some((id) => !terminal.has(id)) && Date.now() < drainDeadline) await wait(500);
await reader.stop();
probing = false;
await prober;
for (const i of [0, 1, 2]) await stop(i, 'SIGTERM');
await gateway.close();
rmSync(stateRoot, { recursive: true, force: true });

const pct = (c: { ok: number; failed: number }) =>
  c.ok + c.failed === 0 ? '—' : `${((100 * c.ok) / (c.ok + c.failed)).toFixed(2)} % of ${c.ok + c.failed}`;
const rows = phases.map((p) => ({
  phase: p.name,
  posts: pct(p.posts),
  reads: pct(p.reads),
  shipped: p.shipped.count,
  p50: p.shipped.percentileMs(50),
  p99: p.shipped.percentileMs(99),
  max: p.shipped.percentileMs(100),
  longestStallMs: p.longestStallMs,
}));
const notTerminal = [...accepted].filter((id) => !terminal.has(id)).length;
const totals = phases.reduce(
  (t, p) => ({
    posts: { ok: t.posts.ok + p.posts.ok, failed: t.posts.failed + p.posts.failed },
    reads: { ok: t.reads.ok + p.reads.ok, failed: t.reads.failed + p.reads.failed },
  }),
  { posts: { ok: 0, failed: 0 }, reads: { ok: 0, failed: 0 } },
);
const table = [
  `availability bench ${run}: 3 instances, ${rate} orders/s + ${readRate} reads/s, standbys ${values.standbys}; the roll took ${(rollMs / 1000).toFixed(1)} s`,
  '| phase | POST 202 | GET 200 | SHIPPED | p50 ms | p99 ms | max ms | longest stall ms |',
  '|---|---|---|---|---|---|---|---|',
  ...rows.map(
    (r) =>
      `| ${r.phase} | ${r.posts} | ${r.reads} | ${r.shipped} | ${r.p50} | ${r.p99} | ${r.max} | ${r.longestStallMs} |`,
  ),
  `all: POST ${pct(totals.posts)}, GET ${pct(totals.reads)}; accepted ${accepted.size}, not terminal at the end ${notTerminal}`,
].join('\n');
writeFileSync(join(outDir, `${run}.md`), `${table}\n`);
writeFileSync(
  join(outDir, `${run}.json`),
  `${JSON.stringify({ run, rate, readRate, standbys: Number(values.standbys), rollMs, rows, totals, notTerminal }, null, 2)}\n`,
);
process.stdout.write(`${table}\n`);
process.exit(notTerminal === 0 ? 0 : 1);
