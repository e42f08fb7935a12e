/**
 * The windowed aggregations on window and session stores emit exactly what they emitted on a
 * key-value store with full scans (the old operators, kept as the bench's baseline): same records,
 * same order, same timestamps, over random inputs with out-of-order records, late records and
 * jumps of stream time, with commits in between.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EmitStrategy, SessionWindows, TimeWindows } from '../../../../topology/index.ts';
import {
  sessionCount,
  timeWindowedCount,
  type CountHarness,
} from '../../../../bench/windowed-advance/setups.ts';

/** A deterministic PRNG, so a failure reproduces from its seed. */
function random(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state * 1_103_515_245 + 12_345) % 2 ** 31;
    return state / 2 ** 31;
  };
}

interface Step {
  readonly key: string;
  readonly timestamp: number;
  readonly commit: boolean;
}

/** Mostly small steps forward, some records back in time (late or not), now and then a jump. */
function input(seed: number, length: number): Step[] {
  const next = random(seed);
  let time = 1_000 + Math.floor(next() * 1_000);
  return Array.from({ length }, () => {
    const roll = next();
    if (roll < 0.6) time += Math.floor(next() * 40);
    else if (roll < 0.65) time += Math.floor(next() * 2_000);
    const timestamp = roll >= 0.65 && roll < 0.9 ? Math.max(0, time - Math.floor(next() * 400)) : time;
    return { key: `k${Math.floor(next() * 6)}`, timestamp, commit: next() < 0.2 };
  });
}

async function run(harness: CountHarness, steps: readonly Step[]): Promise<string[]> {
  for (const step of steps) {
    await harness.process(step.key, 'v', step.timestamp);
    if (step.commit) await harness.commit();
  }
  await harness.close();
  return harness.emitted.map(
    (e) =>
      `${e.key.key}[${e.key.window.start},${e.key.window.end}] ${e.change.oldValue}->${e.change.newValue} @${e.timestamp}`,
  );
}

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'windowed-equivalence-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe.each([
  ['tumbling', TimeWindows.ofSizeAndGrace(100, 50)],
  ['tumbling, no grace', TimeWindows.ofSizeWithNoGrace(100)],
  ['hopping', TimeWindows.ofSizeAndGrace(100, 20).advanceBy(25)],
  ['hopping, long grace', TimeWindows.ofSizeAndGrace(300, 500).advanceBy(100)],
])('%s windows', (_name, windows) => {
  for (const emit of [EmitStrategy.onWindowUpdate(), EmitStrategy.onWindowClose()]) {
    for (const backend of ['memory', 'rocksdb'] as const) {
      test(`emit on ${emit}, ${backend}: same output as the key-value baseline`, async () => {
        for (const seed of [1, 2, 3]) {
          const steps = input(seed, 400);
          const options = { backend, windows, emit, collect: true };
          const before = await run(
            await timeWindowedCount({ ...options, path: 'baseline', stateDir: join(dir, `b${seed}`) }),
            steps,
          );
          const after = await run(
            await timeWindowedCount({ ...options, path: 'segmented', stateDir: join(dir, `s${seed}`) }),
            steps,
          );
          expect(after).toEqual(before);
          expect(after.length).toBeGreaterThan(50);
        }
      });
    }
  }
});

describe('session windows', () => {
  for (const backend of ['memory', 'rocksdb'] as const) {
    test(`${backend}: same output as the key-value baseline`, async () => {
      const windows = SessionWindows.ofInactivityGapAndGrace(30, 60);
      for (const seed of [1, 2, 3, 4]) {
        const steps = input(seed, 400);
        const options = { backend, windows, collect: true };
        const before = await run(
          await sessionCount({ ...options, path: 'baseline', stateDir: join(dir, `b${seed}`) }),
          steps,
        );
        const after = await run(
          await sessionCount({ ...options, path: 'segmented', stateDir: join(dir, `s${seed}`) }),
          steps,
        );
        expect(after).toEqual(before);
      }
    });
  }
});
