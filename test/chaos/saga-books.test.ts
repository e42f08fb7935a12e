import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, openSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sagaTopics } from '../../app/saga-topics.ts';
import { startFakeGateway, type FakeGateway } from '../../connectors/testing.ts';
import { KafkaClient } from '../../runtime/index.ts';
import { TERMINAL_STATUSES, type OrderStatus, type OrderStatusChanged } from '../../schemas/index.ts';
import type { SkuStock } from '../../processors/inventory.ts';
import { restartBroker } from '../support/broker-restart.ts';
import { stuckOrdersReport } from '../support/chaos-report.ts';
import { BOOTSTRAP } from '../support/kafka.ts';

/**
 * The books after chaos: the pipeline process is SIGKILLed mid-stream several times and the broker
 * itself is restarted once, while orders contend for scarce stock and the gateway fails 10% of
 * calls. Afterwards: every order exactly one terminal state through legal transitions with no
 * transition emitted twice, no oversell, stock conserved, and at most one successful charge per order.
 */
const ORDERS = 240;
const KILLS = 3;
const run = `books${Date.now().toString(36)}`;
const applicationId = `${run}-saga`;
const topics = sagaTopics(applicationId, `${run}-`);
const stock: Record<string, number> = { SCARCE: 30, PLENTY: 10_000 };
const LEGAL: Record<string, readonly OrderStatus[]> = {
  START: ['CREATED'],
  CREATED: ['RESERVED', 'REJECTED'],
  RESERVED: ['PAID', 'PAYMENT_FAILED', 'EXPIRED'],
  PAID: ['SHIPPED'],
  PAYMENT_FAILED: ['CANCELLED'],
};

let gateway: FakeGateway;
let kafka: KafkaClient;
let stateDir: string;
const logFile = join(tmpdir(), `${run}-pipeline.log`);
const httpPort = 20_000 + Math.floor(Math.random() * 10_000);

beforeAll(async () => {
  gateway = await startFakeGateway({ failureRate: 0.1, declineRate: 0.05, latencyMs: 1, seed: 7 });
  kafka = await KafkaClient.connect({ bootstrapServers: [BOOTSTRAP], clientId: `${run}-test` });
  stateDir = mkdtempSync(join(tmpdir(), 'saga-books-'));
});
afterAll(async () => {
  await kafka?.close();
  await gateway?.close();
  rmSync(stateDir, { recursive: true, force: true });
});

function startPipelineProcess(): { child: ChildProcess; exited: Promise<number | null> } {
  const child = spawn(process.execPath, [join(import.meta.dirname, '../../app/main.ts')], {
    env: {
      ...process.env,
      KAFKA_BOOTSTRAP: BOOTSTRAP,
      APPLICATION_ID: applicationId,
      TOPIC_PREFIX: `${run}-`,
      STATE_DIR: stateDir,
      HTTP_PORT: String(httpPort),
      PAYMENT_GATEWAY_URL: gateway.url,
      LOG_LEVEL: process.env.CHAOS_LOG_LEVEL ?? 'warn',
    },
    // The pipeline's logs (every run of it) go to one file, named in the report of a failed run.
    stdio: ['ignore', 'ignore', openSync(logFile, 'a')],
  });
  return { child, exited: new Promise((resolve) => child.on('exit', (code) => resolve(code))) };
}

const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function waitReady(): Promise<void> {
  for (let i = 0; i < 300; i++) {
    const ready = await fetch(`http://127.0.0.1:${httpPort}/readyz`).then(
      (r) => r.ok,
      () => false,
    );
    if (ready) return;
    await pause(100);
  }
  throw new Error('the pipeline did not become ready');
}

test(`books balance after ${KILLS} SIGKILLs and a broker restart`, async () => {
  let app = startPipelineProcess();
  // The pipeline creates its topics, then starts its services: wait until it says it is ready.
  await waitReady();
  await kafka.produce(
    topics.stock,
    Object.entries(stock).map(([sku, delta]) => ({ key: null, value: JSON.stringify({ sku, delta }) })),
  );
  await pause(1500);

  const orders = Array.from({ length: ORDERS }, (_, i) => ({
    orderId: `${run}-${i}`,
    customerId: 'c',
    items:
      i % 2 === 0
        ? [
            { sku: 'SCARCE', quantity: 1, unitPrice: 100 },
            { sku: 'PLENTY', quantity: 2, unitPrice: 50 },
          ]
        : [{ sku: 'PLENTY', quantity: 1, unitPrice: 10 }],
    currency: 'EUR',
    paymentMethod: i % 17 === 0 ? 'card_declined' : 'card',
    contact: {},
  }));
  const waves = 4;
  const perWave = ORDERS / waves;
  for (let wave = 0; wave < waves; wave++) {
    await kafka.produce(
      topics.orders,
      orders
        .slice(wave * perWave, (wave + 1) * perWave)
        .map((o) => ({ key: null, value: JSON.stringify(o) })),
    );
    if (wave < KILLS) {
      await pause(300 + Math.random() * 700);
      app.child.kill('SIGKILL');
      await app.exited;
      app = startPipelineProcess();
    } else {
      // The broker goes down mid-stream, while the pipeline runs (not while it starts).
      await waitReady();
      await pause(500);
      await restartBroker();
    }
  }

  const history = new Map<string, OrderStatusChanged[]>();
  const deadline = Date.now() + 150_000;
  const terminal = () =>
    orders.filter((o) => history.get(o.orderId)?.some((e) => TERMINAL_STATUSES.includes(e.status))).length;
  while (terminal() < ORDERS && Date.now() < deadline) {
    for (const record of await kafka.readNew(topics.orderStatus)) {
      const event = JSON.parse(record.value?.toString() ?? '{}') as OrderStatusChanged;
      history.set(event.orderId, [...(history.get(event.orderId) ?? []), event]);
    }
    await pause(500);
  }
  const stuck = orders
    .map((o) => o.orderId)
    .filter((id) => !history.get(id)?.some((e) => TERMINAL_STATUSES.includes(e.status)));
  if (stuck.length > 0)
    process.stderr.write(`${stuckOrdersReport(stuck, history, applicationId)}\npipeline logs: ${logFile}\n`);
  // Stock: wait until commits/releases of the last orders are applied (nothing reserved).
  let books: Record<string, SkuStock> = {};
  for (let i = 0; i < 60; i++) {
    books = {};
    for (const sku of Object.keys(stock))
      books[sku] = (await (await fetch(`http://127.0.0.1:${httpPort}/stock/${sku}`)).json()) as SkuStock;
    if (Object.values(books).every((s) => s.reserved === 0)) break;
    await pause(500);
  }
  app.child.kill('SIGTERM');
  expect(await app.exited).toBe(0);

  const shipped: Record<string, number> = { SCARCE: 0, PLENTY: 0 };
  for (const order of orders) {
    const events = history.get(order.orderId) ?? [];
    let previous = 'START';
    for (const event of events) {
      expect([
        order.orderId,
        previous,
        LEGAL[previous]?.includes(event.status) ? 'legal' : event.status,
      ]).toEqual([order.orderId, previous, 'legal']);
      previous = event.status;
    }
    const ends = events.filter((e) => TERMINAL_STATUSES.includes(e.status));
    expect([order.orderId, ends.length]).toEqual([order.orderId, 1]);
    if (ends[0]?.status === 'SHIPPED')
      for (const item of order.items) shipped[item.sku] = (shipped[item.sku] ?? 0) + item.quantity;
    // One idempotency key per order at the gateway: never two successful charges.
    const succeeded = (gateway.charges().get(order.orderId) ?? []).filter(
      (c) => c.status === 'succeeded',
    ).length;
    expect([order.orderId, succeeded <= 1]).toEqual([order.orderId, true]);
    if (ends[0]?.status === 'SHIPPED') expect([order.orderId, succeeded]).toEqual([order.orderId, 1]);
  }
  for (const [sku, initial] of Object.entries(stock)) {
    const s = books[sku] as SkuStock;
    expect(shipped[sku]).toBeLessThanOrEqual(initial); // no oversell
    expect(s.onHand).toBe(initial - (shipped[sku] ?? 0)); // conservation: shipped units left, nothing else
    expect(s.onHand).toBe(s.available + s.reserved);
    expect(s.reserved).toBe(0);
  }
  expect(shipped.SCARCE).toBeGreaterThan(0);
}, 300_000);
