import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sagaTopics } from '../../../app/saga-topics.ts';
import { KafkaClient } from '../../../runtime/index.ts';
import { BOOTSTRAP } from '../../support/kafka.ts';

/**
 * `npm start -- --dev` (app/main.ts as a process): it prints where its fake third parties listen,
 * and an order written to the orders topic as the console producer would reaches SHIPPED through
 * the fake gateway, with its e-mail sent to the fake SMTP server.
 */
const run = `dev${Date.now().toString(36)}`;
const applicationId = `${run}-saga`;
const topics = sagaTopics(applicationId, `${run}-`);
const httpPort = 20_000 + Math.floor(Math.random() * 10_000);
let child: ChildProcess;
let stdout = '';
let stateDir: string;
let kafka: KafkaClient;

beforeAll(async () => {
  stateDir = mkdtempSync(join(tmpdir(), 'dev-mode-'));
  kafka = await KafkaClient.connect({ bootstrapServers: [BOOTSTRAP], clientId: `${run}-test` });
  child = spawn(process.execPath, [join(import.meta.dirname, '../../../app/main.ts'), '--dev'], {
    env: {
      ...process.env,
      KAFKA_BOOTSTRAP: BOOTSTRAP,
      APPLICATION_ID: applicationId,
      TOPIC_PREFIX: `${run}-`,
      STATE_DIR: stateDir,
      HTTP_PORT: String(httpPort),
      LOG_LEVEL: 'warn',
      DATABASE_URL: '',
    },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  child.stdout?.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
});

afterAll(async () => {
  if (child.exitCode === null) {
    const exited = new Promise((r) => child.once('exit', r));
    child.kill('SIGTERM');
    await exited;
  }
  await kafka?.close();
  rmSync(stateDir, { recursive: true, force: true });
});

async function until<T>(what: string, probe: () => Promise<T | null>, timeoutMs = 90_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== null) return value;
    if (Date.now() > deadline) throw new Error(`timed out: ${what}\nstdout so far:\n${stdout}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

test('--dev prints the doubles and an order from the topic reaches SHIPPED', async () => {
  await until('the pipeline is ready', async () =>
    (await fetch(`http://127.0.0.1:${httpPort}/readyz`).then(
      (r) => r.ok,
      () => false,
    ))
      ? true
      : null,
  );
  expect(stdout).toContain('dev mode: third parties are faked on 127.0.0.1');
  expect(stdout).toMatch(/payment gateway {3}http:\/\/127\.0\.0\.1:\d+/);
  expect(stdout).toMatch(/SMTP server {7}smtp:\/\/127\.0\.0\.1:\d+/);
  expect(stdout).toMatch(/SMS provider {6}http:\/\/127\.0\.0\.1:\d+/);
  expect(stdout).toMatch(/webhook receiver {2}http:\/\/127\.0\.0\.1:\d+/);
  expect(stdout).toContain(`order API         http://127.0.0.1:${httpPort}`);

  await kafka.produce(topics.stock, [{ key: null, value: JSON.stringify({ sku: 'DEV-RED', delta: 5 }) }]);
  const orderId = `${run}-o1`;
  // As a line of `npm run kafka -- console-producer --topic orders`: no key, JSON value.
  await kafka.produce(topics.orders, [
    {
      key: null,
      value: JSON.stringify({
        orderId,
        customerId: 'c-7',
        items: [{ sku: 'DEV-RED', quantity: 2, unitPrice: 1999 }],
        currency: 'EUR',
        paymentMethod: 'card',
        contact: { email: 'ada@example.com', phone: '+4915112345678', webhookUrl: 'sub-1' },
      }),
    },
  ]);
  await until('the order is SHIPPED', async () => {
    const response = await fetch(`http://127.0.0.1:${httpPort}/orders/${orderId}`);
    return response.ok && ((await response.json()) as { status: string }).status === 'SHIPPED' ? true : null;
  });
  // The notification service sent through the three doubles: a NotificationSent (no `reason`,
  // which a NotificationFailed has) per channel for the SHIPPED status.
  const sent = await until('notifications sent on every channel', async () => {
    const records = await kafka.readAll(topics.notifications);
    const channels = new Set(
      records
        .map(
          (r) =>
            JSON.parse(r.value?.toString() ?? '{}') as {
              orderId?: string;
              channel?: string;
              reason?: string;
              status?: string;
            },
        )
        .filter((n) => n.orderId === orderId && n.reason === undefined && n.status === 'SHIPPED')
        .map((n) => n.channel),
    );
    return channels.size === 3 ? channels : null;
  });
  expect([...sent].sort()).toEqual(['EMAIL', 'SMS', 'WEBHOOK']);
});
