/**
 * Open-loop load against an already running pipeline: one run (`--rate`) or a sweep (`--rates`).
 * Results to stdout (a table, or JSON with --json), progress to stderr. `--help` for options.
 */
import { writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { sagaTopics } from '../../app/saga-topics.ts';
import { percentileDistributionSvg, percentilePlotSvg } from '../report/svg-plot.ts';
import { markdownTable } from '../report/table.ts';
import { loadStock, runOpenLoop, type OpenLoopOptions, type ProgressSnapshot } from './open-loop.ts';
import { resultTable } from './result-table.ts';
import { runSweep } from './sweep.ts';

const HELP = `Usage: node bench/load/cli.ts --rate <orders/s> [options]
       node bench/load/cli.ts --rates 100,200,400 --p99-target <ms> [options]

Offers orders to a running pipeline on an open-loop schedule (order i at t0 + i/rate, whatever
the pipeline does) and times statuses read from the status topic: latency = time read − intended
send time.

  --rate N               offered orders per second (one run)
  --rates A,B,…          a sweep: one run per rate, stopping once p99 > target and achieved < 90%
  --p99-target MS        sweep: the p99 a rate must meet to count as sustainable (default 1000)
  --duration S           seconds of sending per run (default 10)
  --topic-prefix P       the pipeline's topic prefix: orders/order-status/stock are P-prefixed
  --orders-topic T       default <prefix>orders
  --status-topic T       default <prefix>order-status
  --skus N               distinct SKUs, SKU-0 … SKU-(N-1), chosen uniformly (default 1000)
  --lines N              distinct SKUs per order, quantity 1 each (default 1)
  --milestones LIST      comma-separated; '|' joins statuses of one milestone
                         (default 'RESERVED|REJECTED,SHIPPED')
  --drain-timeout S      wait this long after the last send for outstanding orders (default 60)
  --seed N               PRNG seed of the SKU choice (default 1)
  --id-prefix P          order ids are <P>-<i> (default load-<random>)
  --max-in-flight N      produce requests awaiting the broker at once (default 1)
  --load-stock D         first add D units of every SKU to the stock topic
  --stock-topic T        default <prefix>stock
  --stock-settle S       seconds to wait after loading stock (default 2)
  --svg FILE             write a plot: latency distribution (one run) or percentiles vs rate (sweep)
  --json                 print the full result as JSON instead of a table
  --bootstrap HOST:PORT  default $KAFKA_BOOTSTRAP or 127.0.0.1:19092
  --help
`;

const { values } = parseArgs({
  options: {
    rate: { type: 'string' },
    rates: { type: 'string' },
    'p99-target': { type: 'string', default: '1000' },
    duration: { type: 'string', default: '10' },
    'topic-prefix': { type: 'string', default: '' },
    'orders-topic': { type: 'string' },
    'status-topic': { type: 'string' },
    skus: { type: 'string', default: '1000' },
    lines: { type: 'string', default: '1' },
    milestones: { type: 'string', default: 'RESERVED|REJECTED,SHIPPED' },
    'drain-timeout': { type: 'string', default: '60' },
    seed: { type: 'string', default: '1' },
    'id-prefix': { type: 'string' },
    'max-in-flight': { type: 'string', default: '1' },
    'load-stock': { type: 'string' },
    'stock-topic': { type: 'string' },
    'stock-settle': { type: 'string', default: '2' },
    svg: { type: 'string' },
    json: { type: 'boolean', default: false },
    bootstrap: { type: 'string', default: process.env.KAFKA_BOOTSTRAP ?? '127.0.0.1:19092' },
    help: { type: 'boolean', default: false },
  },
});
if (values.help || (values.rate === undefined && values.rates === undefined)) {
  process.stdout.write(HELP);
  process.exit(values.help ? 0 : 2);
}

const log = (line: string) => process.stderr.write(`[load] ${line}\n`);
try {
  await main();
} catch (error) {
  log(`failed: ${error instanceof Error ? error.message : String(error)}`);
  process.exitCode = 1;
}

function number(name: string, text: string): number {
  const n = Number(text);
  if (text.trim() === '' || !Number.isFinite(n)) throw new Error(`--${name}: not a number: ${text}`);
  return n;
}

function describe(p: ProgressSnapshot): string {
  const milestones = Object.keys(p.completed).map((m) => `${m}: ${p.completed[m]} p99 ${p.p99SoFar[m]} ms`);
  return `${p.phase} t=${p.elapsedS}s due=${p.due} sent=${p.sent} ${milestones.join(', ')}`;
}

async function main(): Promise<void> {
  const defaults = sagaTopics('unused', values['topic-prefix']);
  const bootstrap = values.bootstrap;
  const ordersTopic = values['orders-topic'] ?? defaults.orders;
  const statusTopic = values['status-topic'] ?? defaults.orderStatus;
  const skus = number('skus', values.skus);
  const idPrefix = values['id-prefix'] ?? `load-${Math.random().toString(36).slice(2, 8)}`;
  const runOptions: Omit<OpenLoopOptions, 'rate' | 'idPrefix'> = {
    bootstrap,
    ordersTopic,
    statusTopic,
    durationS: number('duration', values.duration),
    skus,
    linesPerOrder: number('lines', values.lines),
    milestones: values.milestones.split(','),
    drainTimeoutS: number('drain-timeout', values['drain-timeout']),
    seed: number('seed', values.seed),
    maxInFlight: number('max-in-flight', values['max-in-flight']),
  };

  if (values['load-stock'] !== undefined) {
    const stockTopic = values['stock-topic'] ?? defaults.stock;
    const delta = number('load-stock', values['load-stock']);
    await loadStock({ bootstrap, stockTopic, skus, delta });
    log(`added ${delta} units of each of ${skus} SKUs to ${stockTopic}`);
    await new Promise((r) => setTimeout(r, number('stock-settle', values['stock-settle']) * 1000));
  }

  log(`orders → ${ordersTopic}, statuses ← ${statusTopic}, id prefix ${idPrefix}`);
  if (values.rates !== undefined) {
    const rates = values.rates.split(',').map((r) => number('rates', r));
    const sweep = await runSweep({
      ...runOptions,
      rates,
      p99TargetMs: number('p99-target', values['p99-target']),
      idPrefix,
      onProgress: (rate, p) => log(`${rate}/s ${describe(p)}`),
      onRun: (run) => log(`${run.rate}/s done: p99 ${run.p99Ms} ms, achieved ${run.achievedRate}/s`),
    });
    if (values.svg) {
      const rows = sweep.runs.map((run) => {
        const m = run.result.milestones.find((x) => x.milestone === sweep.milestone);
        return {
          offeredRate: run.rate,
          p50Ms: m?.p50Ms ?? Number.NaN,
          p90Ms: m?.p90Ms ?? Number.NaN,
          p99Ms: m?.p99Ms ?? Number.NaN,
          p999Ms: m?.p999Ms ?? Number.NaN,
          maxMs: m?.maxMs ?? Number.NaN,
        };
      });
      const title = `${sweep.milestone} latency vs offered rate`;
      writeFileSync(values.svg, percentilePlotSvg({ title, rows, targetMs: sweep.p99TargetMs }));
      log(`wrote ${values.svg}`);
    }
    if (values.json) {
      process.stdout.write(`${JSON.stringify(sweep, null, 2)}\n`);
    } else {
      for (const run of sweep.runs) process.stdout.write(`${resultTable(run.result)}\n`);
      process.stdout.write(
        markdownTable(
          [
            'offered/s',
            `${sweep.milestone} achieved/s`,
            'p99 ms (timeouts = ∞)',
            `≤ ${sweep.p99TargetMs} ms`,
            'saturated',
          ],
          sweep.runs.map((r) => [
            r.rate,
            r.achievedRate,
            r.p99Ms,
            r.withinTarget ? 'yes' : 'no',
            r.saturated ? 'yes' : 'no',
          ]),
          ['right', 'right', 'right', 'left', 'left'],
        ),
      );
      process.stdout.write(
        `\nmax sustainable rate: ${sweep.maxSustainableRate ?? 'none'}` +
          (sweep.stoppedAfterRate === null ? '' : ` (stopped after ${sweep.stoppedAfterRate}/s)`) +
          '\n',
      );
    }
  } else {
    const result = await runOpenLoop({
      ...runOptions,
      rate: number('rate', values.rate ?? ''),
      idPrefix,
      onProgress: (p) => log(describe(p)),
    });
    if (values.svg) {
      const series = result.milestones.map((m) => ({ name: m.milestone, distribution: m.distribution }));
      const title = `latency distribution at ${result.offeredRate} orders/s`;
      writeFileSync(values.svg, percentileDistributionSvg({ title, series }));
      log(`wrote ${values.svg}`);
    }
    process.stdout.write(values.json ? `${JSON.stringify(result, null, 2)}\n` : resultTable(result));
  }
}
