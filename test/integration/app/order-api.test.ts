import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pipelineConfigFromEnv } from '../../../app/config.ts';
import { startPipeline, type RunningPipeline } from '../../../app/pipeline.ts';
import { sagaTopics } from '../../../app/saga-topics.ts';
import { createLogger } from '../../../runtime/index.ts';
import { runConsoleProducer } from '../../../stack/kafka-tools.ts';
import { BOOTSTRAP } from '../../support/kafka.ts';

/**
 * The order API and the console-producer door on the real broker, with the saga core only
 * (SERVICES=core) and ORDER_API_KEY set: only sane orders get in, whichever door they take
 * (docs/order-validation.md).
 */
let pipeline: RunningPipeline;
let stateDir: string;
const run = `api${Date.now().toString(36)}`;
const applicationId = `${run}-saga`;
const topics = sagaTopics(applicationId, `${run}-`);
const apiKey = 'test-key-0123456789abcdef';

beforeAll(async () => {
  stateDir = mkdtempSync(join(tmpdir(), 'order-api-'));
  pipeline = await startPipeline(
    {
      ...pipelineConfigFromEnv({ SERVICES: 'core', ORDER_API_KEY: apiKey }),
      bootstrapServers: [BOOTSTRAP],
      applicationId,
      topicPrefix: `${run}-`,
      stateDir,
      httpPort: 0,
    },
    createLogger('order-api-test'),
  );
});

afterAll(async () => {
  await pipeline?.stop();
  rmSync(stateDir, { recursive: true, force: true });
});

const order = (orderId: string) => ({
  orderId,
  customerId: 'c-7',
  items: [{ sku: 'SKU-RED', quantity: 1, unitPrice: 1999 }],
  currency: 'EUR',
  paymentMethod: 'card',
  contact: { email: 'ada@example.com' },
});

const post = (body: unknown, key: string | null = apiKey) =>
  fetch(`${pipeline.httpUrl}/orders`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      ...(key === null ? {} : { authorization: `Bearer ${key}` }),
    },
    body: JSON.stringify(body),
  });

/** Until the saga holds the order (GET /orders/:id is 200), or the deadline. */
async function heldBySaga(orderId: string, timeoutMs = 30_000): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if ((await fetch(`${pipeline.httpUrl}/orders/${orderId}`)).ok) return true;
    await new Promise((r) => setTimeout(r, 100));
  }
  return false;
}

async function duplicatesCounted(): Promise<number> {
  const metrics = await (await fetch(`${pipeline.httpUrl}/metrics`)).text();
  const value = /^saga_duplicate_orders_total(?:\{[^}]*\})? (\d+)$/m.exec(metrics)?.[1];
  if (value === undefined) throw new Error('saga_duplicate_orders_total is not exposed');
  return Number(value);
}

test('POST /orders: 401 without the key, 400 with every field reason, 202, 202 on an identical retry, 409 on other content', async () => {
  const orderId = `${run}-o1`;
  const noKey = await post(order(orderId), null);
  expect(noKey.status).toBe(401);
  expect((await post(order(orderId), 'wrong-key-0123456789')).status).toBe(401);

  const bad = await post({ ...order('x'.repeat(10_000)), currency: 'E U R<script>' });
  expect(bad.status).toBe(400);
  const reasons = (await bad.json()) as { error: string; fields: { field: string; reason: string }[] };
  expect(reasons.fields).toEqual([
    { field: 'orderId', reason: expect.stringMatching(/1-64 characters/) },
    { field: 'currency', reason: expect.stringMatching(/ISO 4217/) },
  ]);

  const first = await post(order(orderId));
  expect(first.status).toBe(202);
  expect(await first.json()).toEqual({ orderId, status: 'ACCEPTED' });
  expect(await heldBySaga(orderId)).toBe(true);

  const retry = await post(order(orderId));
  expect(retry.status).toBe(202);
  expect(await retry.json()).toEqual({ orderId, status: 'ACCEPTED' });

  const conflict = await post({
    ...order(orderId),
    items: [{ sku: 'SKU-RED', quantity: 5, unitPrice: 1999 }],
  });
  expect(conflict.status).toBe(409);
  expect(await conflict.json()).toMatchObject({ orderId, error: expect.stringMatching(/other content/) });

  // Neither the retry nor the conflict reached the topic: the saga counted no duplicate.
  expect(await duplicatesCounted()).toBe(0);
  // Reads stay open without the key.
  expect((await fetch(`${pipeline.httpUrl}/orders/${orderId}`)).status).toBe(200);
});

test('the orders topic: an invalid line goes to dead-letter with its reasons, the next order flows', async () => {
  const valid = `${run}-o2`;
  const invalid = JSON.stringify({ ...order(`${run}-bad`), currency: 'E U R<script>' });
  const tooLong = JSON.stringify(order('x'.repeat(10_000)));
  await runConsoleProducer({ topic: topics.orders, lines: [invalid, tooLong, JSON.stringify(order(valid))] });

  expect(await heldBySaga(valid)).toBe(true);
  expect((await fetch(`${pipeline.httpUrl}/orders/${run}-bad`)).status).toBe(404);
  const deadLetters = await pipeline.kafka.readNew(topics.deadLetter);
  // The console producer may put the two lines on different partitions: find each by its value.
  expect(deadLetters.map((r) => r.value?.toString()).sort()).toEqual([invalid, tooLong].sort());
  const byValue = [invalid, tooLong].map((v) => deadLetters.find((r) => r.value?.toString() === v));
  const header = (i: number, name: string) => byValue[i]?.headers.get(name)?.toString();
  expect(header(0, 'error.reason')).toMatch(
    /currency: expected an active ISO 4217 code.*got "E U R<script>"/,
  );
  expect(header(0, 'error.stage')).toBe('deserialize');
  expect(header(0, 'source.topic')).toBe(topics.orders);
  expect(header(1, 'error.reason')).toMatch(/orderId: expected 1-64 characters.*got 10000 characters/);
  expect(pipeline.app?.state).toBe('RUNNING');
});
