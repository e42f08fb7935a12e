import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sagaTopics } from '../../../app/saga-topics.ts';
import { startFakeGateway, type FakeGateway } from '../../../connectors/testing.ts';
import { KafkaClient } from '../../../runtime/index.ts';
import { BOOTSTRAP } from '../../support/kafka.ts';
import { stockAndOrderEachSku } from '../../support/one-line-orders.ts';

/**
 * STREAM_PROCESSES=2: the service runs its saga core in two processes of one consumer group.
 * Every order and SKU must be answered by the one HTTP API whichever process owns its partition,
 * and SIGKILL of the service must take the second process with it.
 */
const run = `sp${Date.now().toString(36)}`;
const applicationId = `${run}-saga`;
const topics = sagaTopics(applicationId, `${run}-`);
const port = 22_000 + Math.floor(Math.random() * 8000);
let gateway: FakeGateway;
let kafka: KafkaClient;
let stateDir: string;

beforeAll(async () => {
  gateway = await startFakeGateway({ latencyMs: 1 });
  kafka = await KafkaClient.connect({ bootstrapServers: [BOOTSTRAP], clientId: `${run}-test` });
  stateDir = mkdtempSync(join(tmpdir(), 'stream-processes-'));
});
/** The service under test: killed in afterAll too, so a failed assertion never leaves it running. */
let service: ChildProcess | null = null;
afterAll(async () => {
  service?.kill('SIGKILL');
  await kafka?.close();
  await gateway?.close();
  rmSync(stateDir, { recursive: true, force: true });
});

const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));
const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

test('two stream processes share the core; the API answers for every key; they die together', async () => {
  const child = spawn(process.execPath, [join(import.meta.dirname, '../../../app/main.ts')], {
    env: {
      ...process.env,
      KAFKA_BOOTSTRAP: BOOTSTRAP,
      APPLICATION_ID: applicationId,
      TOPIC_PREFIX: `${run}-`,
      STATE_DIR: stateDir,
      HTTP_PORT: String(port),
      PAYMENT_GATEWAY_URL: gateway.url,
      STREAM_PROCESSES: '2',
      LOG_LEVEL: 'warn',
    },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  service = child;
  const exited = new Promise<void>((resolve) => child.on('exit', () => resolve()));
  const url = `http://127.0.0.1:${port}`;
  for (let i = 0; i < 600; i++) {
    if (
      await fetch(`${url}/readyz`).then(
        (r) => r.ok,
        () => false,
      )
    )
      break;
    await pause(200);
  }
  const skus = Array.from({ length: 12 }, (_, i) => `SKU-${i}`);
  const stockOf = async (sku: string) =>
    (await (await fetch(`${url}/stock/${sku}`)).json()) as { onHand: number; reserved: number };
  const orders = await stockAndOrderEachSku(kafka, topics, run, skus, 10, async () => {
    for (let i = 0; i < 300; i++) {
      const stocked = await Promise.all(skus.map(stockOf)).catch(() => []);
      if (stocked.length === skus.length && stocked.every((s) => s.onHand === 10)) return;
      await pause(200);
    }
    throw new Error('stock never applied');
  });

  const statusOf = async (orderId: string) => {
    const response = await fetch(`${url}/orders/${orderId}`);
    return response.ok ? ((await response.json()) as { status: string }).status : null;
  };
  const deadline = Date.now() + 60_000;
  let statuses: (string | null)[] = [];
  while (Date.now() < deadline) {
    statuses = await Promise.all(orders.map((o) => statusOf(o.orderId)));
    if (statuses.every((s) => s === 'SHIPPED')) break;
    await pause(500);
  }
  expect(statuses).toEqual(orders.map(() => 'SHIPPED'));
  // SHIPPED is visible a moment before the inventory applies the shipment to the stock: wait for it.
  let stocks = await Promise.all(skus.map(stockOf));
  for (let i = 0; i < 100 && stocks.some((s) => s.reserved !== 0); i++) {
    await pause(200);
    stocks = await Promise.all(skus.map(stockOf));
  }
  expect(stocks.map((s, i) => [skus[i], s.onHand, s.reserved])).toEqual(skus.map((sku) => [sku, 9, 0]));
  // Both processes own tasks of the core group: some orders are not in this process's stores,
  // and the API above answered them from the other process.
  const localOnly = await Promise.all(orders.map((o) => fetch(`${url}/orders/${o.orderId}?local=1`)));
  const elsewhere = localOnly.filter((r) => r.status === 404).length;
  expect(elsewhere).toBeGreaterThan(0);
  expect(elsewhere).toBeLessThan(orders.length);
  const readyz = (await (await fetch(`${url}/readyz`)).json()) as { ready: boolean };
  expect(readyz.ready).toBe(true);

  const siblings = await findChildren(child.pid as number);
  expect(siblings.length).toBe(1);
  child.kill('SIGKILL');
  await exited;
  for (let i = 0; i < 100 && siblings.some(alive); i++) await pause(100);
  expect(siblings.filter(alive)).toEqual([]);
}, 180_000);

async function findChildren(pid: number): Promise<number[]> {
  const { readdirSync, readFileSync } = await import('node:fs');
  return readdirSync('/proc')
    .map(Number)
    .filter((p) => Number.isInteger(p))
    .filter((p) => {
      try {
        return /PPid:\s+(\d+)/.exec(readFileSync(`/proc/${p}/status`, 'utf8'))?.[1] === String(pid);
      } catch {
        return false;
      }
    });
}
