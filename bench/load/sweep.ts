import {
  runOpenLoop,
  type OpenLoopOptions,
  type OpenLoopResult,
  type ProgressSnapshot,
} from './open-loop.ts';

/** Topics and id prefix for one rate of a sweep, e.g. a fresh pipeline per rate. */
export interface PreparedRun {
  ordersTopic: string;
  statusTopic: string;
  idPrefix: string;
  cleanup(): Promise<void>;
}

export interface SweepOptions extends Omit<
  OpenLoopOptions,
  'rate' | 'ordersTopic' | 'statusTopic' | 'idPrefix' | 'onProgress'
> {
  /** Offered rates, run in this order (ascending, for the early stop to mean anything). */
  rates: readonly number[];
  p99TargetMs: number;
  /** The milestone whose p99 decides (default: the last one listed). */
  milestone?: string;
  /** Used when there is no `prepare`: one running pipeline for every rate. */
  ordersTopic?: string;
  statusTopic?: string;
  /** Without `prepare`, each rate's orders are `<idPrefix>-r<rate>-<i>`. */
  idPrefix?: string;
  prepare?(rate: number): Promise<PreparedRun>;
  onProgress?(rate: number, snapshot: ProgressSnapshot): void;
  /** Called after each rate, e.g. to save results as they come. */
  onRun?(run: SweepRun): void;
}

export interface SweepRun {
  rate: number;
  result: OpenLoopResult;
  /** p99 of the deciding milestone, orders that never arrived counted as infinitely slow. */
  p99Ms: number;
  /** Orders per second reaching the deciding milestone. */
  achievedRate: number;
  withinTarget: boolean;
  /** Achieved < 0.9 × offered (offered less the orders that settled without the milestone). */
  saturated: boolean;
}

export interface SweepResult {
  p99TargetMs: number;
  milestone: string;
  runs: SweepRun[];
  /** Highest rate whose p99 ≤ target; null if none. */
  maxSustainableRate: number | null;
  /** The rate after which the sweep stopped early (p99 over target and saturated), if it did. */
  stoppedAfterRate: number | null;
}

/**
 * Open-loop runs at rising rates until the pipeline is past its limit: the first rate whose p99
 * misses the target *and* whose achieved rate falls below 90% of the offered one ends the sweep
 * (a p99 miss alone may be a hiccup; both together mean the backlog grows). The max sustainable
 * rate is the highest rate whose p99 met the target.
 */
export async function runSweep(options: SweepOptions): Promise<SweepResult> {
  const { rates, p99TargetMs, prepare, onProgress, onRun, milestone: _milestone, ...runOptions } = options;
  if (rates.length === 0) throw new Error('rates must not be empty');
  if (runOptions.milestones.length === 0) throw new Error('milestones must not be empty');
  const milestone = options.milestone ?? (runOptions.milestones.at(-1) as string);
  const sweepId = options.idPrefix ?? `sweep-${Math.random().toString(36).slice(2, 8)}`;
  const runs: SweepRun[] = [];
  let stoppedAfterRate: number | null = null;
  for (const rate of rates) {
    const prepared = prepare ? await prepare(rate) : shared(options, `${sweepId}-r${rate}`);
    let result: OpenLoopResult;
    try {
      result = await runOpenLoop({
        ...runOptions,
        rate,
        ordersTopic: prepared.ordersTopic,
        statusTopic: prepared.statusTopic,
        idPrefix: prepared.idPrefix,
        ...(onProgress ? { onProgress: (snapshot: ProgressSnapshot) => onProgress(rate, snapshot) } : {}),
      });
    } finally {
      await prepared.cleanup();
    }
    const run = judge(rate, result, milestone, p99TargetMs);
    runs.push(run);
    onRun?.(run);
    if (!run.withinTarget && run.saturated) {
      stoppedAfterRate = rate;
      break;
    }
  }
  const sustainable = runs.filter((r) => r.withinTarget).map((r) => r.rate);
  return {
    p99TargetMs,
    milestone,
    runs,
    maxSustainableRate: sustainable.length > 0 ? Math.max(...sustainable) : null,
    stoppedAfterRate,
  };
}

function judge(rate: number, result: OpenLoopResult, milestone: string, p99TargetMs: number): SweepRun {
  const m = result.milestones.find((x) => x.milestone === milestone);
  if (!m) throw new Error(`Milestone ${milestone} is not among the run's milestones`);
  const reachable = result.sent === 0 ? 0 : 1 - m.skipped / result.sent;
  return {
    rate,
    result,
    p99Ms: m.p99WithTimeoutsMs,
    achievedRate: m.achievedRate,
    withinTarget: m.p99WithTimeoutsMs <= p99TargetMs,
    saturated: m.achievedRate < 0.9 * rate * reachable,
  };
}

function shared(options: SweepOptions, idPrefix: string): PreparedRun {
  if (!options.ordersTopic || !options.statusTopic)
    throw new Error('runSweep needs ordersTopic and statusTopic, or prepare()');
  return {
    ordersTopic: options.ordersTopic,
    statusTopic: options.statusTopic,
    idPrefix,
    cleanup: async () => undefined,
  };
}
