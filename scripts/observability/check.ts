/**
 * `npm run observability:check`: proves the dashboards and alerts against a live Prometheus. Starts
 * (or reuses) the stack with Prometheus, runs the pipeline in this process on the address
 * Prometheus scrapes, drives a few hundred orders with failures (scripts/observability/
 * drive-orders.ts), waits until every order is terminal and Prometheus has scraped it, then runs
 * every panel query of deploy/grafana/dashboards/*.json and every loaded alert rule through
 * /api/v1/query. Fails when a query errors, a panel query answers no series, a rule is unhealthy,
 * or a check of EXTRA_CHECKS (the hook for more, e.g. traces) fails.
 */
import { appendFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { startFakeGateway, startFakeWebhookReceiver, startTestSmtpServer } from '../../connectors/testing.ts';
import { createLogger } from '../../runtime/index.ts';
import { pipelineConfigFromEnv } from '../../app/config.ts';
import { startPipeline, type RunningPipeline } from '../../app/pipeline.ts';
import { sagaTopics } from '../../app/saga-topics.ts';
import { ensureStack } from '../../stack/ensure-stack.ts';
import { stackConfig } from '../../stack/config.ts';
import { stackDir } from '../../stack/paths.ts';
import { alertRulesFile, ensurePrometheus, scrapeTarget } from '../../stack/prometheus.ts';
import { DASHBOARDS_DIR } from '../../deploy/grafana/dashboards.ts';
import { driveOrders } from './drive-orders.ts';
import { EXTRA_CHECKS, type LiveContext } from './extra-checks.ts';
import { traceLiveCheck } from './trace-live-check.ts';
import { ensureJaeger } from '../../stack/jaeger.ts';
import { startTracing } from '../../runtime/index.ts';
import { DEFAULT_SERVICE } from './trace-check.ts';
import { dashboardQueries, instantQuery, loadedAlertRules, scalarOf, scrapeTargets } from './promql.ts';

const { values: args } = parseArgs({
  options: {
    orders: { type: 'string', default: '300' },
    rate: { type: 'string', default: '60' },
    'timeout-s': { type: 'string', default: '120' },
    help: { type: 'boolean', default: false },
  },
});
if (args.help) {
  process.stdout
    .write(`Usage: npm run observability:check [-- --orders N] [--rate ORDERS_PER_S] [--timeout-s S]

Starts (or reuses) the stack with Prometheus (npm run stack:up -- --prometheus), runs the pipeline
on the address Prometheus scrapes (HTTP_PORT, default 8080, or PROMETHEUS_SCRAPE_TARGET), drives
orders with declines, gateway 5xx, out-of-stock and unknown SKUs, duplicates and malformed lines,
then evaluates every dashboard panel query and every alert rule against Prometheus' HTTP API.
Defaults: 300 orders at 60/s; waits at most 120 s for them to be terminal and scraped.
Logs and a report of every query in ${join(stackDir, 'logs')}.\n`);
  process.exit(0);
}

const stamp = new Date().toISOString().replace(/[:.]/g, '-');
const reportFile = join(stackDir, 'logs', `observability-check-${stamp}.report.txt`);
function say(line: string): void {
  process.stdout.write(`[observability] ${line}\n`);
  appendFileSync(reportFile, `${new Date().toISOString()} ${line}\n`);
}

const TERMINAL = 'status=~"SHIPPED|REJECTED|CANCELLED|EXPIRED"';

async function waitUntil(what: string, timeoutMs: number, check: () => Promise<boolean>): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs / 1000} s waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 1000));
  }
}

/** Terminal orders of this run as the pipeline's own /metrics counts them. */
async function terminalOrders(pipeline: RunningPipeline, applicationId: string): Promise<number> {
  const text = await (await fetch(`${pipeline.httpUrl}/metrics`)).text();
  let sum = 0;
  for (const line of text.split('\n'))
    if (
      line.startsWith('saga_orders_total{') &&
      line.includes(`application_id="${applicationId}"`) &&
      /status="(SHIPPED|REJECTED|CANCELLED|EXPIRED)"/.test(line)
    )
      sum += Number(line.slice(line.lastIndexOf(' ') + 1));
  return sum;
}

/** Fails unless Prometheus scrapes the address the pipeline is about to serve on. */
async function requireTarget(prometheusUrl: string, target: string): Promise<void> {
  // A Prometheus just started lists its targets a moment after /-/ready (discovery runs then).
  let urls: string[] = [];
  await waitUntil('Prometheus to list its scrape targets', 15_000, async () => {
    urls = (await scrapeTargets(prometheusUrl)).map((t) => t.scrapeUrl);
    return urls.length > 0;
  }).catch(() => undefined);
  if (!urls.includes(`http://${target}/metrics`))
    throw new Error(
      `Prometheus on ${prometheusUrl} scrapes ${urls.join(', ') || 'nothing'}, not http://${target}/metrics: ` +
        'stop it (npm run stack:down) or set HTTP_PORT / PROMETHEUS_SCRAPE_TARGET to what it scrapes',
    );
}

async function evaluateDashboards(prometheusUrl: string): Promise<{ withData: number; total: number }> {
  const queries = dashboardQueries(fileURLToPath(DASHBOARDS_DIR));
  let withData = 0;
  for (const q of queries) {
    const outcome = await instantQuery(prometheusUrl, q.query).then(
      (series) => (series > 0 ? `${series} series` : 'NO DATA'),
      (error: unknown) => `ERROR ${(error as Error).message}`,
    );
    if (outcome.endsWith('series')) withData++;
    else say(`dashboard "${q.dashboard}" panel "${q.panel}" (${q.refId}): ${outcome}\n    ${q.query}`);
    appendFileSync(reportFile, `  [${outcome}] ${q.dashboard} / ${q.panel} / ${q.refId}: ${q.query}\n`);
  }
  return { withData, total: queries.length };
}

async function evaluateAlerts(prometheusUrl: string): Promise<{ ok: number; total: number }> {
  const inFile = (readFileSync(alertRulesFile, 'utf8').match(/^\s*- alert:/gm) ?? []).length;
  const rules = (await loadedAlertRules(prometheusUrl)).filter((r) => r.file === alertRulesFile);
  if (rules.length !== inFile)
    say(
      `Prometheus has ${rules.length} rules of ${alertRulesFile} loaded, the file has ${inFile}: reload it (POST /-/reload)`,
    );
  let ok = 0;
  for (const rule of rules) {
    const outcome = await instantQuery(prometheusUrl, rule.query).then(
      (series) =>
        rule.health === 'err'
          ? `UNHEALTHY ${rule.lastError ?? ''}`
          : `ok, ${series} series firing or pending`,
      (error: unknown) => `ERROR ${(error as Error).message}`,
    );
    if (outcome.startsWith('ok')) ok++;
    else say(`alert ${rule.name}: ${outcome}\n    ${rule.query}`);
    appendFileSync(reportFile, `  [${outcome}] alert ${rule.name}: ${rule.query}\n`);
  }
  return { ok, total: Math.max(inFile, rules.length) };
}

async function main(): Promise<number> {
  const started = Date.now();
  mkdirSync(join(stackDir, 'logs'), { recursive: true });
  process.env.LOG_FILE ??= join(stackDir, 'logs', `observability-check-${stamp}.log`);
  say(`pipeline logs: ${process.env.LOG_FILE}; report: ${reportFile}`);
  say('starting the stack (Kafka, PostgreSQL, Prometheus, Jaeger) where not running');
  await ensureStack();
  const prometheusUrl = await ensurePrometheus();
  say('starting Jaeger where not running (the first time it is built from its Go module: minutes)');
  const jaeger = await ensureJaeger();
  // The pipeline runs in this process: its spans go to the stack's Jaeger, as OTEL_* would send them.
  const stopTracing = startTracing({
    serviceName: DEFAULT_SERVICE,
    endpoint: `${jaeger.otlpEndpoint}/v1/traces`,
  });
  const target = scrapeTarget();
  await requireTarget(prometheusUrl, target);
  const [host, port] = [
    target.slice(0, target.lastIndexOf(':')),
    Number(target.slice(target.lastIndexOf(':') + 1)),
  ];

  const gateway = await startFakeGateway({ declineRate: 0.03, failureRate: 0.1, latencyMs: 2, seed: 7 });
  const smtp = await startTestSmtpServer();
  const webhooks = await startFakeWebhookReceiver({ secret: 'check-secret' });
  const runId = `obs${Date.now().toString(36)}`;
  const stateDir = mkdtempSync(join(tmpdir(), 'observability-state-'));
  const config = {
    ...pipelineConfigFromEnv(),
    applicationId: `${runId}-saga`,
    topicPrefix: `${runId}-`,
    stateDir,
    httpHost: host,
    httpPort: port,
    applicationServer: target,
    paymentGatewayUrl: gateway.url,
    smtp: { host: smtp.host, port: smtp.port, from: 'orders@example.com' },
    sms: null,
    webhook: { url: webhooks.url, secret: 'check-secret' },
    databaseUrl: stackConfig.databaseUrl,
    streamProcesses: 1,
  };
  const topics = sagaTopics(config.applicationId, config.topicPrefix);
  say(`run ${runId}: starting the pipeline on ${target} (every service, one /metrics)`);
  const pipeline = await startPipeline(config, createLogger('pipeline'));
  try {
    // Orders posted before the first assignment wait for it: latency the dashboards should not see.
    await waitUntil('the pipeline to be ready (/readyz)', 60_000, async () =>
      fetch(`${pipeline.httpUrl}/readyz`).then(
        (r) => r.ok,
        () => false,
      ),
    );
    const count = Number(args.orders);
    const timeoutMs = Number(args['timeout-s']) * 1000;
    const workload = await driveOrders({
      kafka: pipeline.kafka,
      topics,
      apiUrl: pipeline.httpUrl,
      runId,
      count,
      ratePerS: Number(args.rate),
      progress: say,
    });
    await waitUntil(`${count} orders to be terminal`, timeoutMs, async () => {
      const done = await terminalOrders(pipeline, config.applicationId);
      if (done < count) say(`${done}/${count} orders terminal`);
      return done >= count;
    });
    const app = `application_id="${config.applicationId}"`;
    await waitUntil('Prometheus to scrape the terminal orders and the dead letters', timeoutMs, async () => {
      const [scraped, dead] = await Promise.all([
        scalarOf(prometheusUrl, `sum(saga_orders_total{${app},${TERMINAL}})`),
        scalarOf(prometheusUrl, `sum(kafka_streams_dead_letter_total{${app}})`),
      ]);
      say(
        `Prometheus has ${scraped ?? 0}/${count} terminal orders, ${dead ?? 0}/${workload.malformed} dead letters`,
      );
      return (scraped ?? 0) >= count && (dead ?? 0) >= workload.malformed;
    });
    // Two more evaluation rounds (2 s each) so every rule has been evaluated on the final data.
    await new Promise((r) => setTimeout(r, 5000));

    const dashboards = await evaluateDashboards(prometheusUrl);
    const alerts = await evaluateAlerts(prometheusUrl);
    const context: LiveContext = {
      pipelineUrl: pipeline.httpUrl,
      prometheusUrl,
      applicationId: config.applicationId,
      topics,
      orderIds: workload.orderIds,
      progress: say,
    };
    const extra = [];
    const checks = [...EXTRA_CHECKS, traceLiveCheck({ queryUrl: jaeger.queryUrl, flush: stopTracing.flush })];
    for (const check of checks) extra.push(await check.run(context));
    const summary = [
      `dashboards: ${dashboards.withData}/${dashboards.total} queries with data`,
      `alerts: ${alerts.ok}/${alerts.total} rules evaluate`,
      ...extra.map((e) => e.summary),
    ].join('; ');
    say(`${summary} (${Math.round((Date.now() - started) / 1000)} s)`);
    const passed =
      dashboards.withData === dashboards.total && alerts.ok === alerts.total && extra.every((e) => e.ok);
    return passed ? 0 : 1;
  } finally {
    say('stopping the pipeline (the stack keeps running: npm run stack:down)');
    await pipeline.stop();
    await stopTracing().catch(() => undefined);
    await Promise.allSettled([gateway.close(), smtp.close(), webhooks.close()]);
    rmSync(stateDir, { recursive: true, force: true });
  }
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`[observability] failed: ${(error as Error).stack ?? String(error)}\n`);
    process.exit(1);
  },
);
