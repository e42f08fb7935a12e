import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { pipelineConfigFromEnv, type PipelineConfig } from '../../../app/config.ts';
import { startPipeline, type RunningPipeline } from '../../../app/pipeline.ts';
import { sagaTopics } from '../../../app/saga-topics.ts';
import { startFakeGateway, type FakeGateway } from '../../../connectors/testing.ts';
import { createLogger, KafkaGroupAdmin } from '../../../runtime/index.ts';
import { BOOTSTRAP } from '../../support/kafka.ts';
import { settledStock } from '../../support/order-api.ts';

/**
 * `npm run app:reset -- --saga` (app/reset-cli.ts, as a process) on a real saga: refused while it
 * runs; a dry run changes nothing; the reset puts the inputs back to earliest, deletes the
 * internal and loop topics and the state; the saga started again reprocesses every order once.
 */
const run = `rst${Date.now().toString(36)}`;
const applicationId = `${run}-saga`;
const prefix = `${run}-`;
const topics = sagaTopics(applicationId, prefix);
const orderIds = [1, 2, 3].map((i) => `${run}-o${i}`);
let stateDir: string;
let gateway: FakeGateway;
let pipeline: RunningPipeline | null = null;
let admin: KafkaGroupAdmin;
let config: PipelineConfig;

const reset = (...args: string[]) =>
  promisify(execFile)(
    process.execPath,
    [
      join(import.meta.dirname, '../../../app/reset-cli.ts'),
      '--saga',
      '--application-id',
      applicationId,
      '--topic-prefix',
      prefix,
      '--state-dir',
      stateDir,
      '--bootstrap',
      BOOTSTRAP,
      ...args,
    ],
    { env: { ...process.env, LOG_LEVEL: 'warn' } },
  ).then(
    ({ stdout, stderr }) => ({ code: 0, stdout, stderr }),
    (error: { code: number; stdout: string; stderr: string }) => ({
      code: error.code,
      stdout: error.stdout,
      stderr: error.stderr,
    }),
  );

async function until<T>(what: string, probe: () => Promise<T | null>, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== null) return value;
    if (Date.now() > deadline) throw new Error(`timed out: ${what}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

const get = async (path: string) => {
  const response = await fetch(`${pipeline?.httpUrl}${path}`);
  return response.ok ? ((await response.json()) as Record<string, unknown>) : null;
};

const allShipped = () =>
  until('every order SHIPPED', async () => {
    const states = await Promise.all(orderIds.map((id) => get(`/orders/${id}`)));
    return states.every((s) => s?.status === 'SHIPPED') ? states : null;
  });

const internalTopics = async () =>
  (await admin.listTopics()).filter((t) => t.startsWith(run) && /-(repartition|changelog)$/.test(t)).sort();

beforeAll(async () => {
  stateDir = mkdtempSync(join(tmpdir(), 'app-reset-'));
  gateway = await startFakeGateway();
  admin = new KafkaGroupAdmin({ clientId: `${run}-test`, bootstrapServers: [BOOTSTRAP] });
  config = {
    ...pipelineConfigFromEnv({}),
    bootstrapServers: [BOOTSTRAP],
    applicationId,
    topicPrefix: prefix,
    stateDir,
    httpPort: 0,
    paymentGatewayUrl: gateway.url,
    databaseUrl: null,
  };
});

afterAll(async () => {
  await pipeline?.stop();
  await admin?.close();
  await gateway?.close();
  rmSync(stateDir, { recursive: true, force: true });
});

test('reset of a saga: refused while it runs, dry run changes nothing, reset, reprocessed once', async () => {
  pipeline = await startPipeline(config, createLogger('app-reset-test'));
  await pipeline.kafka.produce(topics.stock, [
    { key: null, value: JSON.stringify({ sku: 'RST-RED', delta: 10 }) },
  ]);
  for (const orderId of orderIds) {
    const response = await fetch(`${pipeline.httpUrl}/orders`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        orderId,
        customerId: 'c-1',
        items: [{ sku: 'RST-RED', quantity: 2, unitPrice: 100 }],
        currency: 'EUR',
        paymentMethod: 'card',
        contact: {},
      }),
    });
    expect(response.status).toBe(202);
  }
  await allShipped();
  expect(await settledStock(pipeline.httpUrl, 'RST-RED')).toMatchObject({
    onHand: 4,
    available: 4,
    reserved: 0,
  });

  // Running: refused, nothing changed.
  const refused = await reset();
  expect(refused.code).toBe(1);
  expect(refused.stderr).toContain('refusing to reset: the application is running');
  expect(refused.stderr).toContain(`group ${applicationId} is`);

  await pipeline.stop();
  pipeline = null;
  const before = { topics: await internalTopics(), offsets: await admin.committedOffsets(applicationId) };
  expect(before.topics).toEqual(
    expect.arrayContaining([
      topics.reservationRequests,
      topics.paymentRequests,
      `${applicationId}-order-saga-store-changelog`,
      `${applicationId}-payment-payment-store-changelog`,
    ]),
  );
  const committedOrders = [...(before.offsets.get(topics.orders)?.values() ?? [])].reduce(
    (a, b) => a + b,
    0n,
  );
  expect(committedOrders).toBe(3n);
  expect(existsSync(join(stateDir, applicationId))).toBe(true);

  // Stopped (a static member may linger until its session times out): the dry run plans, changes nothing.
  const dry = await until('the groups are empty', async () => {
    const answer = await reset('--dry-run');
    return answer.code === 0 ? answer : null;
  });
  expect(dry.stdout).toContain('DRY RUN: nothing is changed');
  for (const [partition, offset] of before.offsets.get(topics.orders) ?? [])
    expect(dry.stdout).toContain(`offset ${topics.orders}[${partition}]: ${offset} -> 0 (earliest)`);
  expect(dry.stdout).toContain(`  ${topics.paymentRequests}\n`);
  expect(dry.stdout).toContain(`delete state directory: ${join(stateDir, applicationId)}`);
  expect(dry.stdout).toContain('dry run: nothing changed');
  expect(await internalTopics()).toEqual(before.topics);
  expect(await admin.committedOffsets(applicationId)).toEqual(before.offsets);
  expect(existsSync(join(stateDir, applicationId))).toBe(true);

  const done = await reset();
  expect(done).toMatchObject({ code: 0, stdout: expect.stringContaining('reset done') });
  expect(await internalTopics()).toEqual([]);
  const after = await admin.committedOffsets(applicationId);
  for (const topic of [topics.orders, topics.stock])
    expect([...(after.get(topic)?.values() ?? [])]).toEqual([0n, 0n, 0n]);
  for (const topic of [topics.reservationRequests, topics.reservationResults, topics.paymentResults])
    expect(after.has(topic)).toBe(false);
  for (const id of [applicationId, `${applicationId}-payment`, `${applicationId}-notification`])
    expect(existsSync(join(stateDir, id))).toBe(false);

  // Started again: every order and the stock are processed once more, from nothing.
  pipeline = await startPipeline(config, createLogger('app-reset-test'));
  await allShipped();
  expect(await settledStock(pipeline.httpUrl, 'RST-RED')).toMatchObject({
    onHand: 4,
    available: 4,
    reserved: 0,
  });
  // The gateway saw the same idempotency keys: still one charge per order.
  const succeeded = [...gateway.charges().values()].flat().filter((c) => c.status === 'succeeded');
  expect(succeeded).toHaveLength(3);
});
