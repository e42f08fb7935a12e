/**
 * Checks in Jaeger that every order's trace is complete: created → reserved → charged → shipped →
 * notified, each step a descendant of the one before (saga-trace.ts says how a step is found).
 *
 *   node scripts/observability/trace-check.ts --orders o1,o2,o3
 *   node scripts/observability/trace-check.ts --since 10m        # every order placed through the API
 *
 * `checkOrderTraces` is the library entry point (e.g. for a larger observability check).
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { stackConfig } from '../../stack/config.ts';
import { searchTraces, tag, type JaegerTrace } from './jaeger-api.ts';
import { checkOrderTrace, type OrderTraceResult } from './saga-trace.ts';
import { summarizeTrace } from './trace-summary.ts';

/** The service name the pipeline's spans carry unless OTEL_SERVICE_NAME says otherwise (app/main.ts). */
export const DEFAULT_SERVICE = 'ecommerce-saga';

export interface TraceCheckOptions {
  queryUrl: string;
  orderIds: readonly string[];
  service?: string;
  /**
   * How long to keep asking for incomplete traces: spans reach Jaeger in batches (the SDK
   * exports every 5 s, the collector batches again), so a check right after the saga ends would
   * report in-flight spans as missing.
   */
  settleMs?: number;
  /** Parallel searches; Jaeger's memory store scans every stored trace per search. */
  concurrency?: number;
}

export interface TraceCheckReport {
  results: OrderTraceResult[];
  complete: number;
  total: number;
  /** `traces: K/N orders complete` */
  line: string;
  /** The traces of each order, for summaries of the ones worth a look. */
  traces: Map<string, JaegerTrace[]>;
}

/** Every trace that carries the order: by its id on POST /orders and by the key of its records. */
export async function orderTraces(
  queryUrl: string,
  service: string,
  orderId: string,
): Promise<JaegerTrace[]> {
  const [byKey, byId] = await Promise.all([
    searchTraces(queryUrl, { service, tags: { 'messaging.kafka.message.key': orderId } }),
    searchTraces(queryUrl, { service, tags: { 'order.id': orderId } }),
  ]);
  return [...new Map([...byKey, ...byId].map((t) => [t.traceID, t])).values()];
}

async function inPool<T>(items: readonly T[], size: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(size, items.length) }, async () => {
      while (next < items.length) await work(items[next++] as T);
    }),
  );
}

export async function checkOrderTraces(options: TraceCheckOptions): Promise<TraceCheckReport> {
  const service = options.service ?? DEFAULT_SERVICE;
  const deadline = Date.now() + (options.settleMs ?? 20_000);
  const results = new Map<string, OrderTraceResult>();
  const traces = new Map<string, JaegerTrace[]>();
  let pending = [...options.orderIds];
  for (;;) {
    await inPool(pending, options.concurrency ?? 8, async (orderId) => {
      const found = await orderTraces(options.queryUrl, service, orderId);
      traces.set(orderId, found);
      results.set(orderId, checkOrderTrace(orderId, found));
    });
    pending = pending.filter((id) => !results.get(id)?.complete);
    if (pending.length === 0 || Date.now() >= deadline) break;
    await new Promise((r) => setTimeout(r, 1_000));
  }
  const ordered = options.orderIds.map((id) => results.get(id)!);
  const complete = ordered.filter((r) => r.complete).length;
  return {
    results: ordered,
    complete,
    total: ordered.length,
    line: `traces: ${complete}/${ordered.length} orders complete`,
    traces,
  };
}

/** The order ids of every POST /orders span in a window: the orders placed through the API then. */
export async function orderIdsInWindow(
  queryUrl: string,
  window: { startMs: number; endMs: number; service?: string; limit?: number },
): Promise<string[]> {
  const found = await searchTraces(queryUrl, {
    service: window.service ?? DEFAULT_SERVICE,
    operation: 'POST /orders',
    startMs: window.startMs,
    endMs: window.endMs,
    limit: window.limit ?? 10_000,
  });
  const ids = found.flatMap((t) =>
    t.spans.flatMap((s) => (s.operationName === 'POST /orders' ? [tag(s, 'order.id')] : [])),
  );
  return [...new Set(ids.filter((id): id is string => typeof id === 'string'))];
}

/** The report as lines: the summary line, then one line per incomplete order saying what is missing. */
export function formatReport(report: TraceCheckReport): string[] {
  const lines = [report.line];
  for (const r of report.results.filter((x) => !x.complete)) {
    const reached = r.steps.map((s) => s.step).join(' → ') || 'nothing';
    lines.push(
      `  order ${r.orderId}: missing '${r.missing?.step}' (${r.missing?.service}) after ${reached}; ` +
        `${r.missing?.why}${r.traceCount > 1 ? ` [${r.traceCount} traces]` : ''}`,
    );
  }
  return lines;
}

const HELP = `Usage: node scripts/observability/trace-check.ts [options]

Checks in Jaeger that each order's trace is complete: created (POST /orders) → reserved (core)
→ charged (payment, with its gateway call) → shipped (core) → notified (notification), each step
a descendant of the one before. Prints "traces: K/N orders complete", then what each incomplete
order misses. Exits 1 when any trace is incomplete, 2 on bad arguments.

Which orders (one of):
  --orders ID,ID,…        these order ids
  --orders-file FILE      order ids, one a line
  --since DURATION        every order placed through POST /orders in the last DURATION (30s, 10m, 2h)

Options:
  --query-url URL         Jaeger's query service [${stackConfig.jaegerQueryUrl}] (stack: STACK_JAEGER_QUERY_PORT)
  --service NAME          service name of the pipeline's spans [${DEFAULT_SERVICE}]
  --wait-s S              keep asking for incomplete traces this long (spans arrive in batches) [20]
  --show ID               also print this order's trace as a tree (span, service, start, duration)
  -h, --help`;

function duration(flag: string, raw: string): number {
  const match = /^(\d+)(s|m|h)$/.exec(raw);
  if (!match) throw new UsageError(`${flag} ${raw}: expected a number with s, m or h (e.g. 10m)`);
  return Number(match[1]) * { s: 1_000, m: 60_000, h: 3_600_000 }[match[2] as 's' | 'm' | 'h'];
}

class UsageError extends Error {}

async function main(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      orders: { type: 'string' },
      'orders-file': { type: 'string' },
      since: { type: 'string' },
      'query-url': { type: 'string', default: stackConfig.jaegerQueryUrl },
      service: { type: 'string', default: DEFAULT_SERVICE },
      'wait-s': { type: 'string', default: '20' },
      show: { type: 'string' },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) {
    process.stdout.write(`${HELP}\n`);
    return 0;
  }
  const waitS = Number(values['wait-s']);
  if (!Number.isFinite(waitS) || waitS < 0)
    throw new UsageError(`--wait-s ${values['wait-s']}: expected a number of seconds ≥ 0`);
  const queryUrl = values['query-url'];
  let orderIds: string[];
  if (values.orders) orderIds = values.orders.split(',').filter(Boolean);
  else if (values['orders-file'])
    orderIds = readFileSync(values['orders-file'], 'utf8')
      .split('\n')
      .map((l) => l.trim())
      .filter(Boolean);
  else if (values.since) {
    const endMs = Date.now();
    orderIds = await orderIdsInWindow(queryUrl, {
      startMs: endMs - duration('--since', values.since),
      endMs,
      service: values.service,
    });
  } else throw new UsageError('which orders? give --orders, --orders-file or --since');
  if (orderIds.length === 0) throw new UsageError('no order ids to check');
  const report = await checkOrderTraces({
    queryUrl,
    orderIds,
    service: values.service,
    settleMs: waitS * 1000,
  });
  process.stdout.write(`${formatReport(report).join('\n')}\n`);
  if (values.show) {
    const trace = report.traces
      .get(values.show)
      ?.find((t) => t.traceID === report.results.find((r) => r.orderId === values.show)?.traceId);
    process.stdout.write(trace ? `${summarizeTrace(trace)}\n` : `no trace of order ${values.show}\n`);
  }
  return report.complete === report.total ? 0 : 1;
}

if (import.meta.main) {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (error: unknown) => {
      const usage =
        error instanceof UsageError || (error as { code?: string }).code?.startsWith('ERR_PARSE_ARGS');
      process.stderr.write(`[trace-check] ${(error as Error).message}${usage ? `\n${HELP}` : ''}\n`);
      process.exit(usage ? 2 : 1);
    },
  );
}
