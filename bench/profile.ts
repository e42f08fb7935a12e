/**
 * `node bench/profile.ts --rate 1000 --duration 15 [--services all|core]`: runs the pipeline under
 * open-loop load with `--cpu-prof`, then prints the profile's top functions by self time (and
 * where the .cpuprofile is, for a flame graph in Chrome DevTools or speedscope).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { sagaTopics } from '../app/saga-topics.ts';
import { startFakeGateway } from '../connectors/testing.ts';
import { loadStock, runOpenLoop } from './load/open-loop.ts';
import { startPipelineTarget } from './targets/pipeline-target.ts';

const HELP = `Usage: node bench/profile.ts [--rate N] [--duration S] [--services all|core] [--top N] [--dir DIR]

CPU-profiles the pipeline (node --cpu-prof) under an open-loop load of N orders/s for S seconds,
then prints the top functions by self time. Default: 1000 orders/s, 15 s, core, top 20.`;

const { values } = parseArgs({
  options: {
    rate: { type: 'string', default: '1000' },
    duration: { type: 'string', default: '15' },
    services: { type: 'string', default: 'core' },
    top: { type: 'string', default: '20' },
    dir: { type: 'string', default: join(import.meta.dirname, 'results', 'profiles') },
    help: { type: 'boolean', default: false },
  },
});
if (values.help) {
  process.stdout.write(`${HELP}\n`);
  process.exit(0);
}
const bootstrap = process.env.KAFKA_BOOTSTRAP ?? '127.0.0.1:19092';
const run = `p${Date.now().toString(36)}`;
const topics = sagaTopics(`${run}-app`, `${run}-`);
const dir = join(values.dir, run);
const gateway = await startFakeGateway({ latencyMs: 1 });
const pipeline = await startPipelineTarget({
  bootstrap,
  applicationId: `${run}-app`,
  prefix: `${run}-`,
  paymentGatewayUrl: gateway.url,
  services: values.services,
  logDir: join(import.meta.dirname, 'results', 'logs'),
  nodeFlags: ['--cpu-prof', `--cpu-prof-dir=${dir}`],
});
await loadStock({ bootstrap, stockTopic: topics.stock, skus: 1000, delta: 1_000_000 });
await new Promise((r) => setTimeout(r, 2000));
const result = await runOpenLoop({
  bootstrap,
  ordersTopic: topics.orders,
  statusTopic: topics.orderStatus,
  rate: Number(values.rate),
  durationS: Number(values.duration),
  idPrefix: `${run}-o`,
  milestones: ['RESERVED|REJECTED'],
  terminalStatuses: ['RESERVED', 'REJECTED'],
  drainTimeoutS: 60,
});
await pipeline.stop();
await gateway.close();
const m = result.milestones[0];
process.stdout.write(
  `load: ${result.sent} orders at ${values.rate}/s; RESERVED p50 ${m?.p50Ms.toFixed(0)} ms p99 ${m?.p99Ms.toFixed(0)} ms\n`,
);

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  hitCount?: number;
}
const file = readdirSync(dir).find((f) => f.endsWith('.cpuprofile'));
if (!file) throw new Error(`no .cpuprofile in ${dir}`);
const profile = JSON.parse(readFileSync(join(dir, file), 'utf8')) as {
  nodes: ProfileNode[];
  samples: number[];
};
const hits = new Map<number, number>();
for (const id of profile.samples) hits.set(id, (hits.get(id) ?? 0) + 1);
const byFunction = new Map<string, number>();
for (const node of profile.nodes) {
  const { functionName, url, lineNumber } = node.callFrame;
  const where = url.replace(/^.*\/(node_modules\/)?/, '').slice(-60);
  const key = `${functionName || '(anonymous)'} ${where ? `${where}:${lineNumber + 1}` : ''}`.trim();
  byFunction.set(key, (byFunction.get(key) ?? 0) + (hits.get(node.id) ?? 0));
}
const total = profile.samples.length;
process.stdout.write(`profile: ${join(dir, file)} (${total} samples)\n`);
for (const [name, count] of [...byFunction].sort((a, b) => b[1] - a[1]).slice(0, Number(values.top)))
  process.stdout.write(`${((100 * count) / total).toFixed(1).padStart(5)} %  ${name}\n`);
