import { LatencyHistogram } from './latency-histogram.ts';
import type { Milestone } from './milestones.ts';

/**
 * Which order reached which milestone, and when. Each order counts once per milestone (a status
 * seen again, or a second status of the same milestone, is ignored). An order is *settled* when it
 * reached every milestone or a terminal status: nothing more will come for it.
 */
export class MilestoneTracker {
  readonly milestones: readonly Milestone[];
  readonly histograms: LatencyHistogram[];
  readonly completed: number[];
  /** Monotonic clock (ms) of the latest first arrival per milestone. */
  readonly lastCompletionAt: number[];
  private readonly reached: Uint8Array[];
  private readonly reachedCount: Uint8Array;
  private readonly settledFlags: Uint8Array;
  private readonly intendedAt: (index: number) => number;
  private readonly terminal: ReadonlySet<string>;
  private settledCount = 0;

  constructor(
    total: number,
    milestones: readonly Milestone[],
    terminal: readonly string[],
    intendedAt: (index: number) => number,
  ) {
    this.milestones = milestones;
    this.histograms = milestones.map(() => new LatencyHistogram());
    this.completed = milestones.map(() => 0);
    this.lastCompletionAt = milestones.map(() => Number.NaN);
    this.reached = milestones.map(() => new Uint8Array(total));
    this.reachedCount = new Uint8Array(total);
    this.settledFlags = new Uint8Array(total);
    this.terminal = new Set(terminal);
    this.intendedAt = intendedAt;
  }

  get settled(): number {
    return this.settledCount;
  }

  /** `readAt`: monotonic clock (ms) when the status was read. */
  observe(index: number, status: string, readAt: number): void {
    this.milestones.forEach((milestone, m) => {
      const reached = this.reached[m] as Uint8Array;
      if (reached[index] || !milestone.statuses.has(status)) return;
      reached[index] = 1;
      this.reachedCount[index] = (this.reachedCount[index] ?? 0) + 1;
      (this.histograms[m] as LatencyHistogram).record(readAt - this.intendedAt(index));
      this.completed[m] = (this.completed[m] ?? 0) + 1;
      if (!(readAt <= (this.lastCompletionAt[m] ?? Number.NaN))) this.lastCompletionAt[m] = readAt;
    });
    if (this.settledFlags[index]) return;
    if (this.reachedCount[index] === this.milestones.length || this.terminal.has(status)) {
      this.settledFlags[index] = 1;
      this.settledCount++;
    }
  }

  /**
   * Per milestone, among the given orders: `skipped` settled without it (e.g. REJECTED orders never
   * reach SHIPPED), `timedOut` were still waiting when the run ended.
   */
  outcomes(isCounted: (index: number) => boolean): { skipped: number; timedOut: number }[] {
    return this.milestones.map((_, m) => {
      const reached = this.reached[m] as Uint8Array;
      let skipped = 0;
      let timedOut = 0;
      for (let i = 0; i < reached.length; i++) {
        if (reached[i] || !isCounted(i)) continue;
        if (this.settledFlags[i]) skipped++;
        else timedOut++;
      }
      return { skipped, timedOut };
    });
  }

  isSettled(index: number): boolean {
    return this.settledFlags[index] === 1;
  }
}
