/**
 * `npm run observability:traces`: places orders through a traced pipeline and checks in Jaeger
 * that each order's trace is complete. Starts the stack with Jaeger when it is not running
 * (the first start builds Jaeger: minutes), runs `node app/main.ts` with
 * OTEL_EXPORTER_OTLP_ENDPOINT at the stack's Jaeger and the demo's fake payment gateway and
 * webhook receiver, sends orders through POST /orders (and a few straight to the orders topic),
 * waits until each one's SHIPPED notification is delivered, stops the service (which flushes its
 * spans), then runs trace-check.ts. Exits 1 when any trace is incomplete.
 */
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { KafkaClient } from '../../runtime/index.ts';
import { stackConfig } from '../../stack/config.ts';
import { ensureStack } from '../../stack/ensure-stack.ts';
import { ensureJaeger } from '../../stack/jaeger.ts';
import { stackDir } from '../../stack/paths.ts';
import { checkOrderTraces, formatReport, type TraceCheckReport } from './trace-check.ts';
import { summarizeTrace } from './trace-summary.ts';
import { startTracedPipeline, type TracedPipeline } from './traced-pipeline.ts';

export interface TraceRunOptions {
  /** Orders placed through POST /orders. */
  apiOrders: number;
  /** Orders written straight to the orders topic (their trace starts at the engine). */
  topicOrders: number;
  otlpEndpoint: string;
  queryUrl: string;
  kafkaBootstrap: string;
  httpPort?: number;
  /** For the whole saga of every order, from the first order placed. */
  timeoutMs?: number;
  /** Share of charges the fake gateway fails (retried outside the trace: see docs/tracing.md). */
  gatewayFailureRate?: number;
  log?: (line: string) => void;
}

export interface TraceRunResult {
  report: TraceCheckReport;
  orderIds: string[];
  /** One complete order's trace as a text tree (or the first order's, when none is complete). */
  example: string;
}

const SKUS = ['TRC-RED', 'TRC-BLUE', 'TRC-GREEN'];
// The order API takes a few parallel requests like a small web front end would.
const PLACE_CONCURRENCY = 8;

function order(orderId: string, i: number) {
  return {
    orderId,
    customerId: `c-${i % 17}`,
    items: SKUS.slice(0, 1 + (i % SKUS.length)).map((sku, line) => ({
      sku,
      quantity: 1 + ((i + line) % 2),
      unitPrice: 500 + ((i * 37) % 4000),
    })),
    currency: 'EUR',
    paymentMethod: 'card',
    // The webhook channel only: the other channels would need an SMTP server and an SMS provider.
    contact: { email: null, phone: null, webhookUrl: 'https://customer.example/hooks/orders' },
  };
}

async function placeThroughApi(httpUrl: string, ids: readonly string[], offset: number): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: PLACE_CONCURRENCY }, async () => {
      while (next < ids.length) {
        const i = next++;
        const response = await fetch(`${httpUrl}/orders`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify(order(ids[i]!, offset + i)),
        });
        if (response.status !== 202)
          throw new Error(`POST /orders ${ids[i]}: HTTP ${response.status} ${await response.text()}`);
      }
    }),
  );
}

/** Resolves once every order's SHIPPED notification reached the webhook receiver (so it shipped). */
async function waitNotified(
  pipeline: TracedPipeline,
  ids: readonly string[],
  deadline: number,
): Promise<void> {
  const waiting = new Set(ids);
  while (waiting.size > 0) {
    for (const delivery of pipeline.webhook.deliveries()) {
      const id = (delivery.body as { orderId?: unknown } | undefined)?.orderId;
      if (typeof id === 'string' && delivery.rawBody.includes('SHIPPED')) waiting.delete(id);
    }
    if (waiting.size === 0) return;
    if (Date.now() > deadline)
      throw new Error(
        `${waiting.size} of ${ids.length} orders not notified as SHIPPED in time, e.g. ${[...waiting].slice(0, 3).join(', ')}`,
      );
    await new Promise((r) => setTimeout(r, 250));
  }
}

export async function runTracedOrders(options: TraceRunOptions): Promise<TraceRunResult> {
  const log = options.log ?? (() => undefined);
  const runId = `trc${Date.now().toString(36)}`;
  const logFile = join(stackDir, 'logs', `${runId}.log`);
  log(
    `run ${runId}: starting the pipeline with OTEL_EXPORTER_OTLP_ENDPOINT=${options.otlpEndpoint} (log ${logFile})`,
  );
  const pipeline = await startTracedPipeline({
    otlpEndpoint: options.otlpEndpoint,
    kafkaBootstrap: options.kafkaBootstrap,
    runId,
    httpPort: options.httpPort,
    serviceName: 'ecommerce-saga',
    logFile,
    gatewayFailureRate: options.gatewayFailureRate,
  });
  const kafka = await KafkaClient.connect({
    bootstrapServers: [options.kafkaBootstrap],
    clientId: `${runId}-client`,
  });
  const apiIds = Array.from({ length: options.apiOrders }, (_, i) => `${runId}-api${i}`);
  const topicIds = Array.from({ length: options.topicOrders }, (_, i) => `${runId}-topic${i}`);
  const orderIds = [...apiIds, ...topicIds];
  try {
    await kafka.produce(
      pipeline.topics.stock,
      SKUS.map((sku) => ({ key: null, value: JSON.stringify({ sku, delta: 1_000_000 }) })),
    );
    const started = Date.now();
    log(
      `placing ${apiIds.length} orders through ${pipeline.httpUrl}/orders, ${topicIds.length} on ${pipeline.topics.orders}`,
    );
    await placeThroughApi(pipeline.httpUrl, apiIds, 0);
    await kafka.produce(
      pipeline.topics.orders,
      topicIds.map((id, i) => ({
        key: id,
        value: JSON.stringify({ ...order(id, apiIds.length + i), createdAt: Date.now() }),
      })),
    );
    await waitNotified(pipeline, orderIds, started + (options.timeoutMs ?? 120_000));
    log(
      `all ${orderIds.length} orders shipped and notified in ${Date.now() - started} ms; stopping the pipeline (flushes its spans)`,
    );
  } finally {
    await kafka.close();
    await pipeline.stop();
  }
  log(`checking ${orderIds.length} traces in Jaeger (${options.queryUrl})`);
  const report = await checkOrderTraces({ queryUrl: options.queryUrl, orderIds });
  const shown = report.results.find((r) => r.complete) ?? report.results[0];
  const trace = shown && report.traces.get(shown.orderId)?.find((t) => t.traceID === shown.traceId);
  return {
    report,
    orderIds,
    example: trace ? `order ${shown.orderId}:\n${summarizeTrace(trace)}` : 'no trace found to show',
  };
}

const HELP = `Usage: npm run observability:traces [-- --orders N] [--topic-orders N] [--http-port P] [--timeout-s S]
                                   [--gateway-failure-rate R]

Starts the stack with Jaeger if needed (npm run stack:up -- --jaeger; the first start builds
Jaeger from its Go module: several minutes), runs the pipeline with tracing to it, places N orders
through POST /orders and a few straight on the orders topic, waits until each is shipped and
notified, then checks in Jaeger that each order's trace is complete (trace-check.ts) and prints
one trace as a tree. Exits 1 when a trace is incomplete.

Options [defaults]:
  --orders N          orders through POST /orders [100]
  --topic-orders N    orders written to the orders topic [5]
  --http-port P       the order API's port [HTTP_PORT, else any free one]
  --timeout-s S       for every order to be notified as SHIPPED [120]
  --gateway-failure-rate R
                      share of charges the fake gateway fails with a 500, 0 to 1 [0]; the
                      payment service retries them from a punctuator, outside the order's
                      trace, so those orders are reported incomplete (a known gap)
Environment: the stack's (STACK_KAFKA_PORT, STACK_JAEGER_*_PORT, …; see npm run stack:up -- --help)`;

function count(flag: string, raw: string, min: number): number {
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min)
    throw new Error(`${flag} ${raw}: expected an integer ≥ ${min}`);
  return value;
}

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      orders: { type: 'string', default: '100' },
      'topic-orders': { type: 'string', default: '5' },
      'http-port': { type: 'string', default: process.env.HTTP_PORT },
      'timeout-s': { type: 'string', default: '120' },
      'gateway-failure-rate': { type: 'string', default: '0' },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) {
    process.stdout.write(`${HELP}\n`);
    return 0;
  }
  const say = (line: string) => process.stdout.write(`[traces] ${line}\n`);
  const apiOrders = count('--orders', values.orders, 0);
  const topicOrders = count('--topic-orders', values['topic-orders'], 0);
  if (apiOrders + topicOrders === 0)
    throw new Error('--orders and --topic-orders are both 0: nothing to check');
  const httpPort =
    values['http-port'] === undefined ? undefined : count('--http-port', values['http-port'], 1024);
  const timeoutMs = count('--timeout-s', values['timeout-s'], 1) * 1000;
  const gatewayFailureRate = Number(values['gateway-failure-rate']);
  if (!(gatewayFailureRate >= 0 && gatewayFailureRate <= 1))
    throw new Error(
      `--gateway-failure-rate ${values['gateway-failure-rate']}: expected a number from 0 to 1`,
    );
  const started = Date.now();
  say('starting the stack with Jaeger if needed (a first start builds Jaeger: several minutes)');
  await ensureStack();
  const jaeger = await ensureJaeger();
  const result = await runTracedOrders({
    apiOrders,
    topicOrders,
    otlpEndpoint: jaeger.otlpEndpoint,
    queryUrl: jaeger.queryUrl,
    kafkaBootstrap: stackConfig.kafkaBootstrap,
    httpPort,
    timeoutMs,
    gatewayFailureRate,
    log: say,
  });
  process.stdout.write(`${result.example}\n`);
  process.stdout.write(`${formatReport(result.report).join('\n')}\n`);
  say(
    `done in ${((Date.now() - started) / 1000).toFixed(1)} s; traces stay in Jaeger until it stops: ${jaeger.queryUrl}/api/traces?service=ecommerce-saga`,
  );
  return result.report.complete === result.report.total ? 0 : 1;
}

if (import.meta.main) {
  main().then(
    (code) => process.exit(code),
    (error: unknown) => {
      process.stderr.write(`[traces] failed: ${(error as Error).stack ?? String(error)}\n`);
      process.exit(1);
    },
  );
}
