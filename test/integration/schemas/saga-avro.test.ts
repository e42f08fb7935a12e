/**
 * The saga end to end with Avro through the real registry (SCHEMA_REGISTRY_URL, OUTPUT_FORMAT=avro)
 * on the real broker: JSON and Confluent-client Avro input on `orders` and `stock`, Avro with
 * registry ids on the loop and output topics, read back with the Confluent client.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SchemaRegistry as ConfluentClient } from '@kafkajs/confluent-schema-registry';
import { pipelineConfigFromEnv } from '../../../app/config.ts';
import { startPipeline, type RunningPipeline } from '../../../app/pipeline.ts';
import { sagaTopics } from '../../../app/saga-topics.ts';
import {
  startFakeGateway,
  startTestSmtpServer,
  type FakeGateway,
  type TestSmtpServer,
} from '../../../connectors/testing.ts';
import { createLogger } from '../../../runtime/index.ts';
import { TERMINAL_STATUSES, type OrderCreated, type OrderStatusChanged } from '../../../schemas/index.ts';
import { ensureRegistry } from '../../../stack/registry.ts';
import { BOOTSTRAP } from '../../support/kafka.ts';

let pipeline: RunningPipeline;
let gateway: FakeGateway;
let smtp: TestSmtpServer;
let stateDir: string;
let client: ConfluentClient;
const run = `avro${Date.now().toString(36)}`;
const applicationId = `${run}-saga`;
const topics = sagaTopics(applicationId, `${run}-`);
const [jsonOrder, avroOrder] = [`${run}-json`, `${run}-avro`];
const previousUrl = process.env.SCHEMA_REGISTRY_URL;

beforeAll(async () => {
  const url = await ensureRegistry();
  client = new ConfluentClient({ host: url });
  gateway = await startFakeGateway({ latencyMs: 1 });
  smtp = await startTestSmtpServer();
  stateDir = mkdtempSync(join(tmpdir(), 'saga-avro-'));
  // The pipeline takes its registry from the environment, as `npm start` does.
  process.env.SCHEMA_REGISTRY_URL = url;
  pipeline = await startPipeline(
    {
      ...pipelineConfigFromEnv({}),
      bootstrapServers: [BOOTSTRAP],
      applicationId,
      topicPrefix: `${run}-`,
      outputFormat: 'avro',
      stateDir,
      httpPort: 0,
      paymentGatewayUrl: gateway.url,
      smtp: { host: smtp.host, port: smtp.port, from: 'orders@example.com' },
      databaseUrl: null,
    },
    createLogger('saga-avro'),
  );
}, 300_000);

afterAll(async () => {
  if (previousUrl === undefined) delete process.env.SCHEMA_REGISTRY_URL;
  else process.env.SCHEMA_REGISTRY_URL = previousUrl;
  await pipeline?.stop();
  await Promise.allSettled([gateway?.close(), smtp?.close()]);
  rmSync(stateDir, { recursive: true, force: true });
});

const order = (orderId: string): OrderCreated => ({
  orderId,
  customerId: 'c-7',
  items: [{ sku: 'SKU-RED', quantity: 1, unitPrice: 1999 }],
  currency: 'EUR',
  paymentMethod: 'card',
  contact: { email: 'ada@example.com', phone: null, webhookUrl: null },
  createdAt: null,
});

test('JSON and Avro orders flow through the saga with Avro on the loop and output topics, readable by the Confluent client', async () => {
  const stockId = await client.getLatestSchemaId('stock-adjusted-value');
  await pipeline.kafka.produce(topics.stock, [
    { key: 'SKU-RED', value: await client.encode(stockId, { sku: 'SKU-RED', delta: 5, reason: 'delivery' }) },
  ]);
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline && !(await fetch(`${pipeline.httpUrl}/stock/SKU-RED`)).ok)
    await new Promise((r) => setTimeout(r, 100));

  const orderId = await client.getLatestSchemaId('order-created-value');
  await pipeline.kafka.produce(topics.orders, [
    { key: jsonOrder, value: JSON.stringify(order(jsonOrder)) },
    { key: avroOrder, value: await client.encode(orderId, order(avroOrder)) },
  ]);

  const history = new Map<string, string[]>();
  const done = () =>
    [jsonOrder, avroOrder].every((id) =>
      history.get(id)?.some((s) => TERMINAL_STATUSES.includes(s as never)),
    );
  const until = Date.now() + 60_000;
  while (!done() && Date.now() < until) {
    for (const record of await pipeline.kafka.readNew(topics.orderStatus)) {
      expect(record.value?.[0]).toBe(0);
      const event = (await client.decode(record.value as Buffer)) as OrderStatusChanged;
      history.set(event.orderId, [...(history.get(event.orderId) ?? []), event.status]);
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  expect(history.get(jsonOrder)).toEqual(['CREATED', 'RESERVED', 'PAID', 'SHIPPED']);
  expect(history.get(avroOrder)).toEqual(['CREATED', 'RESERVED', 'PAID', 'SHIPPED']);

  const shipments = await pipeline.kafka.readAll(topics.shipments);
  const shipped = await Promise.all(shipments.map((r) => client.decode(r.value as Buffer)));
  expect(shipped.map((s: { orderId: string }) => s.orderId).sort()).toEqual([avroOrder, jsonOrder]);
  // The loop topics carry the registry's ids too.
  const requests = await pipeline.kafka.readAll(topics.reservationRequests);
  const requestId = await client.getLatestSchemaId('reservation-requested-value');
  expect(requests.length).toBeGreaterThanOrEqual(2);
  for (const record of requests) expect(record.value?.readInt32BE(1)).toBe(requestId);
  expect(await pipeline.kafka.readAll(topics.deadLetter)).toEqual([]);
});
