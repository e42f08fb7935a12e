/**
 * Session windows with emitStrategy(EmitStrategy.onWindowClose()) (Kafka Streams' KIP-825 for
 * sessions): each session's final aggregate once, when stream time passes its end + gap + grace,
 * no updates and no tombstones. The oracle cases session-count-on-close* pin the semantics against
 * Kafka Streams itself; these tests pin the mechanics: the DSL wiring, and that reading only the
 * store segments of the closing ends (with commits, both backends, jumps of stream time) emits
 * what a full scan of every session would.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  EmitStrategy,
  Serdes,
  SessionWindows,
  StreamsBuilder,
  WindowedSerdes,
} from '../../../../topology/index.ts';
import type { SessionStore } from '../../../../state-stores/index.ts';
import { TopologyTestDriver } from '../../../../testing/index.ts';
import { sessionCount } from '../../../../bench/windowed-advance/setups.ts';
import { memoryDslStoreSuppliers } from '../../testing/support/memory-store.ts';

test('final session counts once each at close, in end order, without updates or tombstones', async () => {
  const builder = new StreamsBuilder({ dslStoreSuppliers: memoryDslStoreSuppliers });
  builder
    .stream<string, string>('clicks', { keySerde: Serdes.String(), valueSerde: Serdes.String() })
    .groupByKey({ keySerde: Serdes.String(), valueSerde: Serdes.String() })
    .windowedBy(SessionWindows.ofInactivityGapAndGrace(5_000, 10_000))
    .emitStrategy(EmitStrategy.onWindowClose())
    .count({ storeName: 'counts' })
    .toStream()
    .to('sessions', {
      keySerde: WindowedSerdes.sessionWindowedSerdeFrom(Serdes.String()),
      valueSerde: Serdes.Json<number | null>(),
    });
  const driver = new TopologyTestDriver(builder.build(), { applicationId: 'sessions-on-close' });
  const clicks = driver.createInputTopic('clicks', Serdes.String(), Serdes.String());
  const out = driver.createOutputTopic(
    'sessions',
    WindowedSerdes.sessionWindowedSerdeFrom(Serdes.String()),
    Serdes.Json<number | null>(),
  );
  const emitted = () =>
    out
      .readRecordsToList()
      .map((r) => `${r.key?.key}[${r.key?.window.start},${r.key?.window.end}]=${r.value} @${r.timestamp}`);

  await clicks.pipeInput('u', 'a', 1_000); // [1 s, 1 s]
  await clicks.pipeInput('u', 'b', 4_000); // [1 s, 4 s]
  expect(emitted()).toEqual([]);
  await clicks.pipeInput('u', 'c', 20_000); // closes [1 s, 4 s]: 4 s < 20 s − 5 s gap − 10 s grace
  expect(emitted()).toEqual(['u[1000,4000]=2 @4000']);
  await clicks.pipeInput('u', 'd', 12_000); // its own session
  await clicks.pipeInput('u', 'e', 16_000); // bridges [12 s] and [20 s]: no tombstones
  await clicks.pipeInput('v', 'f', 9_000); // out of order, another key, within grace
  await clicks.pipeInput('u', 'late', 2_000); // [1 s, 4 s] was emitted; 2 s < 5 s: dropped
  await clicks.pipeInput('u', 'g', 24_000); // [12 s, 24 s]; closes nothing new
  expect(emitted()).toEqual([]);
  await clicks.pipeInput('v', 'h', 24_001); // close time 9.001 s: closes v [9 s, 9 s]
  expect(emitted()).toEqual(['v[9000,9000]=1 @9000']);
  await clicks.pipeInput('w', 'i', 40_000); // closes both, by end
  expect(emitted()).toEqual(['u[12000,24000]=4 @24000', 'v[24001,24001]=1 @24001']);

  // Emitted sessions leave the store (no record can reach them any more): a restart re-emits nothing.
  const store = (await driver.getStateStore('counts')) as SessionStore<string, number>;
  expect(await store.fetchSession('u', 12_000, 24_000)).toBeUndefined();
  expect(await store.fetchSession('w', 40_000, 40_000)).toBe(1);
  await driver.close();
});

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

interface ModelSession {
  readonly key: string;
  readonly start: number;
  readonly end: number;
  readonly count: number;
}

/** The same rules over a plain list of every session, scanned whole at each step. */
function fullScanModel(windows: SessionWindows, steps: readonly Step[]): string[] {
  let sessions: ModelSession[] = [];
  const out: string[] = [];
  let streamTime = -1;
  let emittedBefore = -1;
  for (const { key, timestamp: t } of steps) {
    streamTime = Math.max(streamTime, t);
    const closeTime = streamTime - windows.gapMs - windows.graceMs;
    const reached = (s: ModelSession) =>
      s.key === key && s.end >= Math.max(t - windows.gapMs, closeTime + 1) && s.start <= t + windows.gapMs;
    const found = sessions.filter(reached);
    const start = Math.min(t, ...found.map((s) => s.start));
    const end = Math.max(t, ...found.map((s) => s.end));
    if (end >= closeTime) {
      const count = found.reduce((n, s) => n + s.count, 1);
      sessions = [...sessions.filter((s) => !reached(s)), { key, start, end, count }];
    }
    if (closeTime > emittedBefore && closeTime > 0) {
      const closing = sessions
        .filter((s) => s.end < closeTime)
        .sort((a, b) => a.end - b.end || a.start - b.start || (a.key < b.key ? -1 : 1));
      for (const s of closing) out.push(`${s.key}[${s.start},${s.end}] null->${s.count} @${s.end}`);
      sessions = sessions.filter((s) => s.end >= closeTime);
      emittedBefore = closeTime;
    }
  }
  return out;
}

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'session-on-close-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe.each([
  ['gap 30, grace 60', SessionWindows.ofInactivityGapAndGrace(30, 60)],
  ['gap 100, no grace', SessionWindows.ofInactivityGapWithNoGrace(100)],
  ['gap 1, no grace (1 ms segments)', SessionWindows.ofInactivityGapWithNoGrace(1)],
])('%s', (_name, windows) => {
  for (const backend of ['memory', 'rocksdb'] as const) {
    test(`${backend}: reading the closing segments emits what a full scan would`, async () => {
      for (const seed of [1, 2, 3]) {
        const steps = input(seed, 400);
        const harness = await sessionCount({
          path: 'segmented',
          backend,
          windows,
          emit: 'close',
          stateDir: join(dir, `${seed}`),
          collect: true,
        });
        for (const step of steps) {
          await harness.process(step.key, 'v', step.timestamp);
          if (step.commit) await harness.commit();
        }
        await harness.close();
        const emitted = harness.emitted.map(
          (e) =>
            `${e.key.key}[${e.key.window.start},${e.key.window.end}] ${e.change.oldValue}->${e.change.newValue} @${e.timestamp}`,
        );
        expect(emitted).toEqual(fullScanModel(windows, steps));
        expect(emitted.length).toBeGreaterThan(20);
      }
    });
  }
});
