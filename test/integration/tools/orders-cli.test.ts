import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { pipelineConfigFromEnv } from '../../../app/config.ts';
import { startPipeline, type RunningPipeline } from '../../../app/pipeline.ts';
import { sagaTopics } from '../../../app/saga-topics.ts';
import { createLogger } from '../../../runtime/index.ts';
import { BOOTSTRAP } from '../../support/kafka.ts';

/** `npm run orders` (app/orders-cli.ts, as a process) against a real pipeline: place, status, stock, refusals. */
const run = `cli${Date.now().toString(36)}`;
const applicationId = `${run}-saga`;
const topics = sagaTopics(applicationId, `${run}-`);
const apiKey = 'cli-test-key-0123456789';
let pipeline: RunningPipeline;
let stateDir: string;

const cli = (...args: string[]) =>
  promisify(execFile)(process.execPath, [join(import.meta.dirname, '../../../app/orders-cli.ts'), ...args], {
    env: { ...process.env, ORDER_API_KEY: '' },
  }).then(
    ({ stdout, stderr }) => ({ code: 0, stdout, stderr }),
    (error: { code: number; stdout: string; stderr: string }) => ({
      code: error.code,
      stdout: error.stdout,
      stderr: error.stderr,
    }),
  );

beforeAll(async () => {
  stateDir = mkdtempSync(join(tmpdir(), 'orders-cli-'));
  pipeline = await startPipeline(
    {
      ...pipelineConfigFromEnv({ SERVICES: 'core', ORDER_API_KEY: apiKey }),
      bootstrapServers: [BOOTSTRAP],
      applicationId,
      topicPrefix: `${run}-`,
      stateDir,
      httpPort: 0,
    },
    createLogger('orders-cli-test'),
  );
  await pipeline.kafka.produce(topics.stock, [
    { key: null, value: JSON.stringify({ sku: 'CLI-RED', delta: 10 }) },
  ]);
});

afterAll(async () => {
  await pipeline?.stop();
  rmSync(stateDir, { recursive: true, force: true });
});

async function until<T>(probe: () => Promise<T | null>, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== null) return value;
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 200));
  }
}

test('place prints the order id and 202; status shows it as a table; stock shows the reservation', async () => {
  const orderId = `${run}-o1`;
  const placed = await cli(
    'place',
    '--url',
    pipeline.httpUrl,
    '--api-key',
    apiKey,
    '--customer',
    'c-7',
    '--item',
    'CLI-RED:2:1999',
    '--email',
    'ada@example.com',
    '--order-id',
    orderId,
  );
  expect(placed).toMatchObject({
    code: 0,
    stdout: expect.stringContaining(`order ${orderId} accepted (202 ACCEPTED)`),
  });

  // The core alone runs (no payment service): the order is reserved and waits for its payment.
  const status = await until(async () => {
    const answer = await cli('status', orderId, '--url', pipeline.httpUrl);
    return answer.code === 0 && /status\s+RESERVED/.test(answer.stdout) ? answer : null;
  });
  expect(status.stdout).toContain(orderId);
  expect(status.stdout).toMatch(/amount\s+39\.98 EUR \(3998 minor units\)/);
  expect(status.stdout).toMatch(/CLI-RED\s+RESERVED/);

  const json = await cli('status', orderId, '--url', pipeline.httpUrl, '--json');
  expect(JSON.parse(json.stdout)).toMatchObject({
    orderId,
    status: 'RESERVED',
    amount: 3998,
    currency: 'EUR',
  });

  const stock = await cli('stock', 'CLI-RED', 'CLI-NONE', '--url', pipeline.httpUrl);
  expect(stock.code).toBe(1);
  expect(stock.stdout).toMatch(/CLI-RED\s+10\s+8\s+2\s+0/);
  expect(stock.stderr).toContain('sku CLI-NONE not found (404)');
});

test('refusals: 400 with the field reasons, 401 without the key, 404, no API', async () => {
  const bad = await cli(
    'place',
    '--url',
    pipeline.httpUrl,
    '--api-key',
    apiKey,
    '--customer',
    'c 7',
    '--item',
    'CLI-RED:1:5',
    '--currency',
    'XXX',
  );
  expect(bad.code).toBe(1);
  expect(bad.stderr).toMatch(/rejected \(400\): customerId: .*; currency: expected an active ISO 4217/);

  const noKey = await cli('place', '--url', pipeline.httpUrl, '--customer', 'c-7', '--item', 'CLI-RED:1:5');
  expect(noKey).toMatchObject({ code: 1, stderr: expect.stringContaining('not authorized (401)') });

  const missing = await cli('status', `${run}-nope`, '--url', pipeline.httpUrl);
  expect(missing).toMatchObject({
    code: 1,
    stderr: expect.stringContaining(`order ${run}-nope not found (404)`),
  });

  const away = await cli('status', 'o-1', '--url', 'http://127.0.0.1:9');
  expect(away).toMatchObject({
    code: 1,
    stderr: expect.stringContaining('no order API at http://127.0.0.1:9'),
  });
  expect(away.stderr).toContain('is `npm start` running?');
});
