import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startFakeGateway, type FakeGateway } from '../../../connectors/testing.ts';
import { KafkaClient } from '../../../runtime/index.ts';
import { BOOTSTRAP } from '../../support/kafka.ts';
import * as books from '../../support/saga-books.ts';
import { pause, sagaRun, startSagaProcess, waitSagaReady } from '../../support/saga-process.ts';

/**
 * SIGTERM while the saga is busy (orders still arriving, payments out at the gateway): the process
 * finishes the record in hand, commits, closes its stores and exits 0 by itself — bounded, as
 * Kafka Streams' close(timeout) is — and a restart finishes what was left, nothing lost or doubled.
 * The bound below is a liveness limit (a hang fails the test), not a performance figure.
 */
const ORDERS = 200;
const EXIT_LIMIT_MS = 20_000;
const { run, applicationId, topicPrefix, topics, httpPort } = sagaRun('shutdown');
const stock = { SCARCE: 30, PLENTY: 10_000 };

let gateway: FakeGateway;
let kafka: KafkaClient;
let stateDir: string;
const logFile = join(tmpdir(), `${run}-pipeline.log`);

beforeAll(async () => {
  // Slow answers: charges are out at the gateway when the signal comes.
  gateway = await startFakeGateway({ latencyMs: 200, declineRate: 0.05, seed: 3 });
  kafka = await KafkaClient.connect({ bootstrapServers: [BOOTSTRAP], clientId: `${run}-test` });
  stateDir = mkdtempSync(join(tmpdir(), 'shutdown-'));
});
afterAll(async () => {
  await kafka?.close();
  await gateway?.close();
  rmSync(stateDir, { recursive: true, force: true });
});

const start = () =>
  startSagaProcess({
    bootstrap: BOOTSTRAP,
    applicationId,
    topicPrefix,
    stateDir,
    httpPort,
    paymentGatewayUrl: gateway.url,
    logFile,
  });

test('SIGTERM on a busy pipeline: it exits 0 by itself, and after a restart every order ends once', async () => {
  let app = start();
  await waitSagaReady(httpPort);
  await books.produceStock(kafka, topics.stock, stock);
  const orders = books.contendedOrders(run, ORDERS);
  await books.produceWave(kafka, topics.orders, orders, 0, 2);
  await pause(300);

  const signalled = Date.now();
  app.child.kill('SIGTERM');
  const code = await Promise.race([app.exited, pause(EXIT_LIMIT_MS).then(() => 'still running')]);
  if (code === 'still running') app.child.kill('SIGKILL');
  expect({ code, withinLimit: Date.now() - signalled < EXIT_LIMIT_MS }).toEqual({
    code: 0,
    withinLimit: true,
  });

  app = start();
  await waitSagaReady(httpPort);
  await books.produceWave(kafka, topics.orders, orders, 1, 2);
  const { history, stuck } = await books.collectStatusHistory(kafka, topics.orderStatus, orders, 120_000);
  expect(stuck).toEqual([]);
  const settled = await books.settledStock(httpPort, Object.keys(stock));
  app.child.kill('SIGTERM');
  expect(await app.exited).toBe(0);
  books.expectBooksBalance({ orders, history, gateway, books: settled, stock });
}, 240_000);
