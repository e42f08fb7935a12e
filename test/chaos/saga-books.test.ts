import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startFakeGateway, type FakeGateway } from '../../connectors/testing.ts';
import { KafkaClient } from '../../runtime/index.ts';
import { restartBroker } from '../support/broker-restart.ts';
import { stuckOrdersReport } from '../support/chaos-report.ts';
import { BOOTSTRAP } from '../support/kafka.ts';
import * as books from '../support/saga-books.ts';
import { pause, sagaRun, startSagaProcess, waitSagaReady } from '../support/saga-process.ts';

/**
 * The books after chaos: the pipeline process is SIGKILLed mid-stream several times and the broker
 * itself is restarted once, while orders contend for scarce stock and the gateway fails 10% of
 * calls. Afterwards: every order exactly one terminal state through legal transitions with no
 * transition emitted twice, no oversell, stock conserved, and at most one successful charge per order.
 */
const ORDERS = 240;
const KILLS = 3;
const WAVES = 4;
const { run, applicationId, topicPrefix, topics, httpPort } = sagaRun('books');
const stock: Record<string, number> = { SCARCE: 30, PLENTY: 10_000 };

let gateway: FakeGateway;
let kafka: KafkaClient;
let stateDir: string;
/** The pipeline process now running: killed after the test whatever happened, so jest can exit. */
let current: ReturnType<typeof startSagaProcess> | null = null;
const logFile = join(tmpdir(), `${run}-pipeline.log`);

beforeAll(async () => {
  gateway = await startFakeGateway({ failureRate: 0.1, declineRate: 0.05, latencyMs: 1, seed: 7 });
  kafka = await KafkaClient.connect({ bootstrapServers: [BOOTSTRAP], clientId: `${run}-test` });
  stateDir = mkdtempSync(join(tmpdir(), 'saga-books-'));
});
afterAll(async () => {
  current?.child.kill('SIGKILL');
  await kafka?.close();
  await gateway?.close();
  rmSync(stateDir, { recursive: true, force: true });
});

function startPipelineProcess() {
  current = startSagaProcess({
    bootstrap: BOOTSTRAP,
    applicationId,
    topicPrefix,
    stateDir,
    httpPort,
    paymentGatewayUrl: gateway.url,
    logFile,
  });
  return current;
}

test(`books balance after ${KILLS} SIGKILLs and a broker restart`, async () => {
  let app = startPipelineProcess();
  // The pipeline creates its topics, then starts its services: wait until it says it is ready.
  await waitSagaReady(httpPort);
  await books.produceStock(kafka, topics.stock, stock);

  const orders = books.contendedOrders(run, ORDERS);
  for (let wave = 0; wave < WAVES; wave++) {
    await books.produceWave(kafka, topics.orders, orders, wave, WAVES);
    if (wave < KILLS) {
      await pause(300 + Math.random() * 700);
      app.child.kill('SIGKILL');
      await app.exited;
      app = startPipelineProcess();
    } else {
      // The broker goes down mid-stream, while the pipeline runs (not while it starts).
      await waitSagaReady(httpPort);
      await pause(500);
      await restartBroker();
    }
  }

  const { history, stuck } = await books.collectStatusHistory(kafka, topics.orderStatus, orders, 150_000);
  if (stuck.length > 0)
    process.stderr.write(`${stuckOrdersReport(stuck, history, applicationId)}\npipeline logs: ${logFile}\n`);
  // Stock: wait until commits/releases of the last orders are applied (nothing reserved).
  const settled = await books.settledStock(httpPort, Object.keys(stock), { groupPrefix: applicationId });
  app.child.kill('SIGTERM');
  expect(await app.exited).toBe(0);

  books.expectBooksBalance({ orders, history, gateway, books: settled, stock });
}, 420_000);
