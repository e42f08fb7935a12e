import { sagaTopics } from '../../../app/saga-topics.ts';
import { KafkaClient } from '../../../runtime/index.ts';
import { KafkaClientError } from '../../../topology/index.ts';
import { BOOTSTRAP, uniqueName } from '../../support/kafka.ts';
import {
  SECURE_BOOTSTRAP,
  ensureSecureStack,
  grantSagaAcls,
  securityOf,
} from '../../support/secure-stack.ts';

/**
 * Least privilege on the real broker (stack:up --secure): the payment service's principal writes
 * its results, and is refused `stock` — with one sentence saying who was refused what, at once
 * and for good (fatal), never a retry loop.
 */
const applicationId = uniqueName('acl');
const prefix = `${applicationId}-`;
const topics = sagaTopics(applicationId, prefix);
let revoke: () => Promise<void> = async () => undefined;
let admin: KafkaClient;
let payment: KafkaClient;

beforeAll(async () => {
  await ensureSecureStack();
  revoke = await grantSagaAcls({ applicationId, topicPrefix: prefix });
  admin = await KafkaClient.connect({ bootstrapServers: [BOOTSTRAP], clientId: `${applicationId}-setup` });
  await admin.createTopics([
    { name: topics.stock, partitions: 3 },
    { name: topics.paymentResults, partitions: 3 },
  ]);
  payment = await KafkaClient.connect({
    bootstrapServers: [SECURE_BOOTSTRAP],
    clientId: `${applicationId}-payment-test`,
    security: securityOf('payment-svc'),
  });
});

afterAll(async () => {
  await Promise.allSettled([payment?.close(), admin?.close()]);
  await revoke();
});

test('payment-svc may write its payment results over SASL_SSL', async () => {
  await payment.produce(topics.paymentResults, [{ key: 'order-1', value: '{"status":"PAID"}' }]);
  const written = await admin.readAll(topics.paymentResults);
  expect(written.map((r) => r.value?.toString())).toEqual(['{"status":"PAID"}']);
});

test('payment-svc writing stock is denied at once, fatally, with one sentence naming principal, operation and topic', async () => {
  const started = Date.now();
  const error = await payment.produce(topics.stock, [{ key: 'SKU-1', value: '{"delta":100}' }]).then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(KafkaClientError);
  const denied = error as KafkaClientError;
  expect(denied.message).toBe(
    `Kafka denied payment-svc WRITE on topic ${topics.stock} (TOPIC_AUTHORIZATION_FAILED): grant it an ACL or fix the principal`,
  );
  expect(denied.recovery).toBe('fatal');
  expect(denied.code).toBe('KSP_KAFKA');
  expect(denied.cause).toBeDefined();
  // Refused on the first answer: no retries behind it.
  expect(Date.now() - started).toBeLessThan(5_000);
  // And nothing reached the topic.
  expect(await admin.readAll(topics.stock)).toEqual([]);
});

test('a wrong password is refused as a failed login naming the user, not retried for ever', async () => {
  const impostor = await KafkaClient.connect({
    bootstrapServers: [SECURE_BOOTSTRAP],
    clientId: `${applicationId}-impostor`,
    security: {
      ...securityOf('payment-svc'),
      sasl: { mechanism: 'SCRAM-SHA-512', username: 'payment-svc', password: 'not-it' },
    },
  });
  try {
    const error = await impostor.produce(topics.paymentResults, [{ key: 'k', value: 'v' }]).then(
      () => null,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(KafkaClientError);
    expect((error as KafkaClientError).message).toMatch(
      /^Kafka refused to authenticate payment-svc \(SASL_AUTHENTICATION_FAILED\)/,
    );
    expect((error as KafkaClientError).recovery).toBe('fatal');
  } finally {
    await impostor.close();
  }
});
