import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pipelineConfigFromEnv } from '../../../app/config.ts';
import { startPipeline, type RunningPipeline } from '../../../app/pipeline.ts';
import { sagaTopics } from '../../../app/saga-topics.ts';
import { KafkaClient, createLogger } from '../../../runtime/index.ts';
import type { OrderStatusChanged } from '../../../schemas/index.ts';
import { caFile, passwordFile } from '../../../stack/kafka-security.ts';
import { BOOTSTRAP, uniqueName } from '../../support/kafka.ts';
import { SECURE_BOOTSTRAP, ensureSecureStack, grantSagaAcls } from '../../support/secure-stack.ts';
import { postOrder } from '../../support/order-api.ts';

/**
 * The saga's core as its own principal (core-svc) over SASL_SSL only, configured the way a
 * deployment is (KAFKA_SECURITY_PROTOCOL, KAFKA_SASL_USERNAME, KAFKA_SASL_PASSWORD_FILE,
 * KAFKA_SSL_CA_FILE): an order posted to its API goes through the order saga and the inventory
 * (exactly-once, transactional ids and group under its ACLs) to order-status, read read_committed.
 */
const applicationId = uniqueName('secure');
const prefix = `${applicationId}-`;
const topics = sagaTopics(applicationId, prefix);
let pipeline: RunningPipeline;
let observer: KafkaClient;
let stateDir: string;
let revoke: () => Promise<void> = async () => undefined;

beforeAll(async () => {
  await ensureSecureStack();
  revoke = await grantSagaAcls({ applicationId, topicPrefix: prefix, parts: ['core'] });
  stateDir = mkdtempSync(join(tmpdir(), 'secure-saga-'));
  const config = pipelineConfigFromEnv({
    KAFKA_BOOTSTRAP: SECURE_BOOTSTRAP,
    KAFKA_SECURITY_PROTOCOL: 'SASL_SSL',
    KAFKA_SASL_MECHANISM: 'SCRAM-SHA-512',
    KAFKA_SASL_USERNAME: 'core-svc',
    KAFKA_SASL_PASSWORD_FILE: passwordFile('core-svc'),
    KAFKA_SSL_CA_FILE: caFile,
    APPLICATION_ID: applicationId,
    TOPIC_PREFIX: prefix,
    SERVICES: 'core',
    STATE_DIR: stateDir,
    HTTP_PORT: '0',
    APPLICATION_SERVER: '127.0.0.1:1',
  });
  pipeline = await startPipeline(config, createLogger('secure-saga'));
  // The test's own eyes: PLAINTEXT (the stack's ANONYMOUS super user), read_committed.
  observer = await KafkaClient.connect({
    bootstrapServers: [BOOTSTRAP],
    clientId: `${applicationId}-observer`,
  });
});

afterAll(async () => {
  await pipeline?.stop();
  await observer?.close();
  await revoke();
  if (stateDir) rmSync(stateDir, { recursive: true, force: true });
});

test('one order through the core over SASL_SSL as core-svc: CREATED then RESERVED on order-status', async () => {
  await observer.produce(topics.stock, [{ key: 'SKU-LOCK', value: '{"sku":"SKU-LOCK","delta":5}' }]);
  const deadline = Date.now() + 45_000;
  while (Date.now() < deadline && !(await fetch(`${pipeline.httpUrl}/stock/SKU-LOCK`)).ok)
    await new Promise((r) => setTimeout(r, 100));

  const orderId = `${applicationId}-order`;
  const posted = await postOrder(pipeline.httpUrl, {
    orderId,
    items: [{ sku: 'SKU-LOCK', quantity: 2, unitPrice: 1500 }],
    contact: { email: 'ada@example.com' },
  });
  expect(posted.status).toBe(202);

  const statuses: string[] = [];
  while (Date.now() < deadline && !statuses.includes('RESERVED')) {
    for (const record of await observer.readNew(topics.orderStatus)) {
      const event = JSON.parse(record.value?.toString() ?? '{}') as OrderStatusChanged;
      if (event.orderId === orderId) statuses.push(event.status);
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  // Payment is not running here (SERVICES=core): the order waits, reserved, for it.
  expect(statuses).toEqual(['CREATED', 'RESERVED']);
  const stock = (await fetch(`${pipeline.httpUrl}/stock/SKU-LOCK`).then((r) => r.json())) as Record<
    string,
    unknown
  >;
  expect(stock).toMatchObject({ sku: 'SKU-LOCK', onHand: 5, reserved: 2 });
});
