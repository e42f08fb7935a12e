/**
 * Runs the chaos suite again and again and counts: a test that fails 3 runs in 7 passes CI by luck
 * once, and only repetition shows it. Not part of CI (it takes as long as it is asked to).
 *
 *   npm run test:chaos:repeat -- --runs 20 [--pattern test/chaos/saga-books]
 */
import { spawn } from 'node:child_process';
import { createWriteStream, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';

const HELP = `Usage: npm run test:chaos:repeat -- [--runs N] [--pattern PATH] [--stop-on-failure]

Runs the chaos tests (real broker, SIGKILLs, broker restarts) N times in a row and reports how
many runs passed, how long each took, and where each failing run's output is.

  --runs N            how many times (default 20)
  --pattern PATH      jest path pattern (default test/chaos)
  --stop-on-failure   stop at the first failing run
  --help              this text

Each run's full output goes to .stack/logs/chaos-repeat/run-<i>.log. The stack must be up
(npm run stack:up).`;

const { values } = parseArgs({
  options: {
    runs: { type: 'string', default: '20' },
    pattern: { type: 'string', default: 'test/chaos' },
    'stop-on-failure': { type: 'boolean', default: false },
    help: { type: 'boolean', default: false },
  },
});
if (values.help) {
  process.stdout.write(`${HELP}\n`);
  process.exit(0);
}
const runs = Number(values.runs);
if (!Number.isInteger(runs) || runs < 1) {
  process.stderr.write(`--runs must be a positive integer, got ${values.runs}\n`);
  process.exit(2);
}

const root = join(import.meta.dirname, '..');
const logDir = join(root, '.stack', 'logs', 'chaos-repeat');
mkdirSync(logDir, { recursive: true });

function runOnce(index: number): Promise<{ ok: boolean; seconds: number; summary: string; log: string }> {
  const log = join(logDir, `run-${index}.log`);
  const out = createWriteStream(log);
  const started = Date.now();
  const child = spawn(
    process.execPath,
    [
      '--experimental-vm-modules',
      join(root, 'node_modules/jest/bin/jest.js'),
      '--selectProjects',
      'integration',
      '--runInBand',
      '--',
      values.pattern,
    ],
    { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let tail = '';
  const collect = (chunk: Buffer) => {
    out.write(chunk);
    tail = (tail + chunk.toString()).slice(-20_000);
  };
  child.stdout.on('data', collect);
  child.stderr.on('data', collect);
  return new Promise((resolve) => {
    child.on('exit', (code) => {
      out.end();
      const summary = /^Tests:.*$/m.exec(tail)?.[0] ?? '(no jest summary)';
      resolve({ ok: code === 0, seconds: (Date.now() - started) / 1000, summary, log });
    });
  });
}

const started = Date.now();
let passed = 0;
const failures: string[] = [];
for (let i = 1; i <= runs; i++) {
  const result = await runOnce(i);
  if (result.ok) passed++;
  else failures.push(result.log);
  process.stdout.write(
    `run ${i}/${runs}: ${result.ok ? 'PASS' : 'FAIL'} in ${result.seconds.toFixed(0)} s — ${result.summary}${result.ok ? '' : ` (log: ${result.log})`}\n`,
  );
  if (!result.ok && values['stop-on-failure']) break;
}
const minutes = ((Date.now() - started) / 60_000).toFixed(1);
process.stdout.write(
  `\n${passed}/${passed + failures.length} runs passed in ${minutes} min (${values.pattern})\n`,
);
for (const log of failures) process.stdout.write(`  failed: ${log}\n`);
process.exit(failures.length === 0 ? 0 : 1);
