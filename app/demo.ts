/**
 * The end-to-end demo: starts the local stack if needed, the payment gateway / SMTP / SMS / webhook
 * doubles and the pipeline; loads stock, produces orders (hot SKUs, multi-line orders, declined
 * cards, duplicates, malformed lines) at a fixed rate; waits until every order is terminal; then
 * checks the books and prints a summary. Exits non-zero if an invariant fails.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import {
  startFakeGateway,
  startFakeSmsProvider,
  startFakeWebhookReceiver,
  startTestSmtpServer,
} from '../connectors/testing.ts';
import { createLogger } from '../runtime/index.ts';
import { ensureStack } from '../stack/ensure-stack.ts';
import { stackConfig } from '../stack/config.ts';
import { stackDir } from '../stack/paths.ts';
import { ensureRegistry } from '../stack/registry.ts';
import { pipelineConfigFromEnv } from './config.ts';
import { checkBooks, jsonReport, printSummary, type DemoOrder } from './demo-books.ts';
import { ProgressLine, StatusTally, progressText } from './demo-progress.ts';
import { startPipeline } from './pipeline.ts';
import { sagaTopics } from './saga-topics.ts';

const { values: args } = parseArgs({
  options: {
    orders: { type: 'string', default: '2000' },
    rate: { type: 'string', default: '100' },
    'timeout-s': { type: 'string', default: '180' },
    avro: { type: 'boolean', default: false },
    seed: { type: 'string', default: '7' },
    json: { type: 'boolean', default: false },
    help: { type: 'boolean', default: false },
  },
});
if (args.help) {
  process.stdout
    .write(`Usage: npm run demo [-- --orders N] [--rate ORDERS_PER_S] [--seed N] [--timeout-s S] [--avro] [--json]

Runs the saga end to end on the local stack and checks its invariants:
no oversell, stock conserved, every order in exactly one terminal state, one charge per order.
Defaults: 2000 orders at 100 orders/s, seed 7 (the same seed makes the same orders).
  --avro   Avro through the stack's schema registry (started if needed) on the saga's topics and
           its outputs; orders and stock still go in as JSON lines.
  --json   print the report as JSON on stdout (progress goes to stderr).
Progress updates in place on a terminal, a line every 5 s otherwise; the pipeline's logs go to a
file in .stack/logs/ (its path is printed).\n`);
  process.exit(0);
}
const ORDER_COUNT = Number(args.orders);
const RATE = Number(args.rate);
const SEED = Number(args.seed);
for (const [name, value] of [
  ['--orders', ORDER_COUNT],
  ['--rate', RATE],
  ['--seed', SEED],
] as const) {
  if (!Number.isInteger(value) || value < 1) {
    process.stderr.write(
      `[demo] ${name} must be a positive integer, got ${String(args[name.slice(2) as 'orders'])}\n`,
    );
    process.exit(2);
  }
}
// With --json the report is the only thing on stdout; the demo's own lines go to stderr.
const human = args.json ? process.stderr : process.stdout;
const say = (line: string) => human.write(`[demo] ${line}\n`);

const HOT = { 'HOT-1': 60, 'HOT-2': 25 };
const REGULAR = ['RED', 'BLUE', 'GREEN', 'BLACK', 'WHITE', 'GREY'];
const initialStock: Record<string, number> = {
  ...HOT,
  ...Object.fromEntries(REGULAR.map((sku) => [sku, 5000])),
};

function makeOrders(runId: string): DemoOrder[] {
  let seed = SEED;
  const random = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
  return Array.from({ length: ORDER_COUNT }, (_, i) => {
    const skus = new Set<string>();
    if (random() < 0.35) skus.add(random() < 0.6 ? 'HOT-1' : 'HOT-2');
    const lines = 1 + Math.floor(random() * 3);
    while (skus.size < lines) skus.add(REGULAR[Math.floor(random() * REGULAR.length)] as string);
    const roll = random();
    return {
      orderId: `${runId}-o${i}`,
      customerId: `c-${i % 97}`,
      items: [...skus].map((sku) => ({
        sku,
        quantity: 1 + Math.floor(random() * 2),
        unitPrice: 500 + Math.floor(random() * 5000),
      })),
      currency: 'EUR',
      paymentMethod: roll < 0.08 ? 'card_declined' : 'card',
      contact: {
        email: `customer${i}@example.com`,
        ...(roll > 0.8 ? { phone: `+4915100${i}` } : {}),
        ...(roll > 0.92 ? { webhookUrl: `sub-${i}` } : {}),
      },
    };
  });
}

async function main(): Promise<number> {
  // The pipeline's JSON logs go to a file; the terminal shows the demo's own lines and errors.
  process.env.LOG_FILE ??= join(
    stackDir,
    'logs',
    `demo-${new Date().toISOString().replace(/[:.]/g, '-')}.log`,
  );
  say(`pipeline logs: ${process.env.LOG_FILE}`);
  say('starting the local stack (Kafka, PostgreSQL) if needed');
  await ensureStack();
  if (args.avro) {
    say('starting the schema registry if needed (--avro)');
    process.env.SCHEMA_REGISTRY_URL ??= await ensureRegistry();
    process.env.OUTPUT_FORMAT = 'avro';
  }
  const gateway = await startFakeGateway({ declineRate: 0.02, failureRate: 0.05, latencyMs: 2, seed: 42 });
  const smtp = await startTestSmtpServer();
  const sms = await startFakeSmsProvider({ apiKey: 'demo-key' });
  const webhooks = await startFakeWebhookReceiver({ secret: 'demo-secret' });
  const runId = `demo${Date.now().toString(36)}`;
  const stateDir = mkdtempSync(join(tmpdir(), 'demo-state-'));
  const config = {
    ...pipelineConfigFromEnv(),
    applicationId: `${runId}-saga`,
    topicPrefix: `${runId}-`,
    stateDir,
    httpPort: 0,
    paymentGatewayUrl: gateway.url,
    smtp: { host: smtp.host, port: smtp.port, from: 'orders@example.com' },
    sms: { providerUrl: sms.messagesUrl, apiKey: 'demo-key', from: 'SHOP' },
    webhook: { url: webhooks.url, secret: 'demo-secret' },
    databaseUrl: stackConfig.databaseUrl,
  };
  const topics = sagaTopics(config.applicationId, config.topicPrefix);
  say(`run ${runId}: starting the pipeline (topics prefixed ${config.topicPrefix})`);
  const pipeline = await startPipeline(config, createLogger('pipeline'));
  try {
    say(`order API on ${pipeline.httpUrl}; loading stock for ${Object.keys(initialStock).length} SKUs`);
    await pipeline.kafka.produce(
      topics.stock,
      Object.entries(initialStock).map(([sku, delta]) => ({
        key: null,
        value: JSON.stringify({ sku, delta }),
      })),
    );
    const orders = makeOrders(runId);
    const started = Date.now();
    say(`producing ${orders.length} orders at ${RATE}/s (+2 duplicates, +3 malformed lines)`);
    const tally = new StatusTally(pipeline, topics.orderStatus);
    let produced = 0;
    const progress = new ProgressLine(human, () => progressText(produced, orders.length, tally));
    const batch = Math.max(1, Math.round(RATE / 20));
    for (let i = 0; i < orders.length; i += batch) {
      const due = started + (i / RATE) * 1000;
      if (due > Date.now()) await new Promise((r) => setTimeout(r, due - Date.now()));
      const now = Date.now();
      await pipeline.kafka.produce(
        topics.orders,
        orders
          .slice(i, i + batch)
          .map((o) => ({ key: null, value: JSON.stringify({ ...o, createdAt: now }), timestamp: now })),
      );
      produced = Math.min(i + batch, orders.length);
    }
    await pipeline.kafka.produce(topics.orders, [
      { key: null, value: JSON.stringify(orders[0]) },
      { key: null, value: JSON.stringify(orders[1]) },
      { key: 'bad-1', value: 'this is not json' },
      { key: 'bad-2', value: JSON.stringify({ orderId: 'x', items: [] }) },
      {
        key: 'bad-3',
        value: JSON.stringify({
          ...orders[2],
          orderId: 'neg',
          items: [{ sku: 'RED', quantity: -1, unitPrice: 1 }],
        }),
      },
    ]);

    let books;
    try {
      books = await checkBooks({
        pipeline,
        topics,
        orders,
        initialStock,
        gatewayCharges: () => gateway.charges(),
        timeoutMs: Number(args['timeout-s']) * 1000,
        tally,
      });
    } finally {
      progress.stop();
    }
    const run = {
      orders: orders.length,
      rate: RATE,
      seed: SEED,
      emails: smtp.messages().length,
      sms: sms.messages().length,
      webhooks: webhooks.deliveries().length,
    };
    const next = {
      logFile: process.env.LOG_FILE as string,
      metricsUrl: `${pipeline.httpUrl}/metrics`,
      jaegerUrl: process.env.OTEL_EXPORTER_OTLP_ENDPOINT ? stackConfig.jaegerQueryUrl : null,
    };
    if (args.json) process.stdout.write(`${JSON.stringify(jsonReport(books, run, next), null, 2)}\n`);
    else {
      printSummary(books, run);
      say(`pipeline logs: ${next.logFile}`);
      if (next.jaegerUrl) say(`traces: ${next.jaegerUrl} (service kafka-ecommerce-pipeline)`);
      say(
        'the stack keeps running: npm run stack:status, npm run stack:down; npm start runs the pipeline on it',
      );
    }
    return books.violations.length === 0 ? 0 : 1;
  } finally {
    say('stopping the pipeline');
    await pipeline.stop();
    await Promise.allSettled([gateway.close(), smtp.close(), sms.close(), webhooks.close()]);
    rmSync(stateDir, { recursive: true, force: true });
  }
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`[demo] failed: ${(error as Error).stack ?? String(error)}\n`);
    process.exit(1);
  },
);
