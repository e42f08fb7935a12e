/**
 * The cost of one advance step of a windowed aggregation (stream time moves forward, some windows
 * close) with many live windows, on the old code path (`baseline`: a key-value store keyed by
 * `Windowed<K>`, scanned whole at every step) and the new one (`segmented`: a window store, the
 * step reads and expires only the closing windows). Both run in this process, one after the other,
 * on the same byte stores.
 *
 *   node bench/windowed-advance.ts [--windows 1000000] [--keys 10000] ...   (--help)
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { EmitStrategy, TimeWindows, type EmitStrategyValue } from '../topology/windows.ts';
import { markdownTable } from './report/table.ts';
import { timeWindowedCount, type Backend, type CodePath } from './windowed-advance/setups.ts';

const HELP = `Usage: node bench/windowed-advance.ts [options]

Tumbling windows of --advance ms with a grace of (windows per key − 1) × advance, so every key has
--windows / --keys live windows. The load puts one record per key per window; then each measured
step is one record that moves stream time one window forward: the oldest window of every key
closes (--keys windows, emitted with --emit close). After the timed record, one record per key at
the new stream time (untimed) opens as many windows as closed, and the store commits (timed
apart), so the live count stays at --windows.

  --windows N          live windows, in memory (default 1000000)
  --rocksdb-windows N  live windows for the RocksDB pass in the same run (default 100000; 0: skip)
  --keys K             keys (default 10000)
  --advance MS         window size and step (default 1000)
  --emit close|update  emit strategy (default close: the fetchAll path)
  --steps S            measured steps on the new path (default 50)
  --baseline-steps S   measured steps on the old path, each a full scan (default 10)
  --paths LIST         baseline,segmented (default both)
  --out DIR            results folder (default bench/results/<date>-windowed-advance)
  --help

CPU-heavy, single process: run it alone, once.`;

const { values } = parseArgs({
  options: {
    windows: { type: 'string', default: '1000000' },
    'rocksdb-windows': { type: 'string', default: '100000' },
    keys: { type: 'string', default: '10000' },
    advance: { type: 'string', default: '1000' },
    emit: { type: 'string', default: 'close' },
    steps: { type: 'string', default: '50' },
    'baseline-steps': { type: 'string', default: '10' },
    paths: { type: 'string', default: 'baseline,segmented' },
    out: { type: 'string' },
    help: { type: 'boolean', default: false },
  },
});
if (values.help) {
  process.stdout.write(`${HELP}\n`);
  process.exit(0);
}

const keys = Number(values.keys);
const advance = Number(values.advance);
const emit: EmitStrategyValue =
  values.emit === 'update' ? EmitStrategy.onWindowUpdate() : EmitStrategy.onWindowClose();
const paths = (values.paths as string).split(',') as CodePath[];
const say = (line: string) => process.stderr.write(`[bench:windowed] ${line}\n`);
const keyOf = (i: number) => `key-${String(i).padStart(7, '0')}`;
/** Records between two commits while loading, as a commit interval would. */
const LOAD_COMMIT_EVERY = 2_000;

interface PassResult {
  path: CodePath;
  backend: Backend;
  liveWindows: number;
  keys: number;
  steps: number;
  loadSeconds: number;
  /** Per measured step: the one record that moves stream time (sweep included), in ms. */
  stepMs: { median: number; p99: number; min: number; max: number };
  /** The commit after each step (the step's deletes and the refill's puts reach the inner store). */
  commitMs: { median: number; p99: number };
  forwardedPerStep: number;
}

function percentile(sorted: readonly number[], p: number): number {
  // Nearest rank: with few samples p99 is the largest, which is what it is.
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] as number;
}

const round = (ms: number) => Math.round(ms * 1000) / 1000;

async function pass(
  path: CodePath,
  backend: Backend,
  liveWindows: number,
  steps: number,
): Promise<PassResult> {
  const perKey = Math.max(1, Math.round(liveWindows / keys));
  const windows = TimeWindows.ofSizeAndGrace(advance, (perKey - 1) * advance);
  const dir = mkdtempSync(join(tmpdir(), 'windowed-advance-'));
  const harness = await timeWindowedCount({ path, backend, windows, emit, stateDir: dir, collect: false });
  say(`${path}/${backend}: loading ${keys * perKey} windows (${keys} keys × ${perKey})…`);
  const loadStarted = performance.now();
  let records = 0;
  // Slot s holds the windows starting at s × advance; all of them stay open (grace covers them).
  for (let slot = 0; slot < perKey; slot++) {
    for (let k = 0; k < keys; k++) {
      await harness.process(keyOf(k), 'v', slot * advance);
      if (++records % LOAD_COMMIT_EVERY === 0) await harness.commit();
    }
    if ((slot + 1) % Math.max(1, Math.floor(perKey / 10)) === 0)
      say(`  ${Math.round(((slot + 1) / perKey) * 100)}% (${records} records)`);
  }
  await harness.commit();
  const loadSeconds = (performance.now() - loadStarted) / 1000;
  say(`${path}/${backend}: loaded in ${loadSeconds.toFixed(1)} s; ${steps} advance steps…`);

  const stepMs: number[] = [];
  const commitMs: number[] = [];
  let forwarded = 0;
  for (let step = 0; step < steps; step++) {
    const streamTime = (perKey + step) * advance;
    const before = harness.forwarded;
    const started = performance.now();
    await harness.process(keyOf(step % keys), 'v', streamTime);
    stepMs.push(performance.now() - started);
    forwarded += harness.forwarded - before;
    // Refill: the window that just opened at the new stream time, for every other key too.
    for (let k = 0; k < keys; k++) if (k !== step % keys) await harness.process(keyOf(k), 'v', streamTime);
    const commitStarted = performance.now();
    await harness.commit();
    commitMs.push(performance.now() - commitStarted);
    if ((step + 1) % Math.max(1, Math.floor(steps / 5)) === 0)
      say(`  step ${step + 1}/${steps}: last ${(stepMs.at(-1) as number).toFixed(1)} ms`);
  }
  await harness.close();
  rmSync(dir, { recursive: true, force: true });
  const sortedSteps = [...stepMs].sort((a, b) => a - b);
  const sortedCommits = [...commitMs].sort((a, b) => a - b);
  return {
    path,
    backend,
    liveWindows: keys * perKey,
    keys,
    steps,
    loadSeconds: Math.round(loadSeconds * 10) / 10,
    stepMs: {
      median: round(percentile(sortedSteps, 50)),
      p99: round(percentile(sortedSteps, 99)),
      min: round(sortedSteps[0] as number),
      max: round(sortedSteps.at(-1) as number),
    },
    commitMs: { median: round(percentile(sortedCommits, 50)), p99: round(percentile(sortedCommits, 99)) },
    forwardedPerStep: forwarded / steps,
  };
}

const plan: [Backend, number][] = [['memory', Number(values.windows)]];
if (Number(values['rocksdb-windows']) > 0) plan.push(['rocksdb', Number(values['rocksdb-windows'])]);
const results: PassResult[] = [];
for (const [backend, live] of plan) {
  for (const path of paths) {
    results.push(
      await pass(path, backend, live, Number(path === 'baseline' ? values['baseline-steps'] : values.steps)),
    );
  }
}

const ratios = plan.flatMap(([backend]) => {
  const old = results.find((r) => r.backend === backend && r.path === 'baseline');
  const now = results.find((r) => r.backend === backend && r.path === 'segmented');
  if (!old || !now) return [];
  return [
    {
      backend,
      medianRatio: Math.round((old.stepMs.median / now.stepMs.median) * 10) / 10,
      p99Ratio: Math.round((old.stepMs.p99 / now.stepMs.p99) * 10) / 10,
    },
  ];
});

const table = markdownTable(
  [
    'path',
    'backend',
    'live windows',
    'steps',
    'step median ms',
    'step p99 ms',
    'commit median ms',
    'emitted/step',
  ],
  results.map((r) => [
    r.path,
    r.backend,
    r.liveWindows.toLocaleString('en-US'),
    String(r.steps),
    String(r.stepMs.median),
    String(r.stepMs.p99),
    String(r.commitMs.median),
    String(r.forwardedPerStep),
  ]),
);
const ratioLines = ratios.map(
  (r) => `${r.backend}: old/new step time ${r.medianRatio}× at the median, ${r.p99Ratio}× at p99`,
);
const date = new Date().toISOString().slice(0, 10);
const out = values.out ?? join('bench/results', `${date}-windowed-advance`);
mkdirSync(out, { recursive: true });
const command = `node bench/windowed-advance.ts ${process.argv.slice(2).join(' ')}`.trim();
writeFileSync(
  join(out, 'results.json'),
  `${JSON.stringify({ command, emit, advance, results, ratios }, null, 2)}\n`,
);
writeFileSync(
  join(out, 'results.md'),
  `# Windowed advance step, ${date}\n\n\`${command}\` (emit on ${emit}, advance ${advance} ms)\n\n${table}\n${ratioLines.map((l) => `- ${l}`).join('\n')}\n`,
);
process.stdout.write(`${table}\n\n${ratioLines.join('\n')}\n\nresults in ${out}\n`);
