import type { Cancellable, PunctuationType, Punctuator } from '../../../topology/processor.ts';

export interface PunctuationSchedule<N> {
  readonly node: N;
  readonly type: PunctuationType;
  readonly intervalMs: number;
  readonly punctuator: Punctuator;
  /** When it fires next. */
  nextMs: number;
  /** Insertion order, to break ties deterministically. */
  readonly seq: number;
  cancelled: boolean;
}

/**
 * Punctuation schedules of one task and one time kind: Kafka Streams' `PunctuationQueue`. Each due
 * schedule fires at most once per `due()` pass, with the current time; when intervals were missed
 * (no records for a while, a slow punctuator) the next time skips ahead rather than firing in a
 * burst, as Kafka Streams does.
 */
export class PunctuationQueue<N> {
  private schedules: PunctuationSchedule<N>[] = [];
  private seq = 0;

  add(
    node: N,
    type: PunctuationType,
    intervalMs: number,
    firstMs: number,
    punctuator: Punctuator,
  ): Cancellable {
    const schedule: PunctuationSchedule<N> = {
      node,
      type,
      intervalMs,
      punctuator,
      nextMs: firstMs,
      seq: this.seq++,
      cancelled: false,
    };
    this.schedules.push(schedule);
    return {
      cancel: () => {
        schedule.cancelled = true;
        this.schedules = this.schedules.filter((s) => s !== schedule);
      },
    };
  }

  /** Schedules due at `nowMs`, earliest first, each advanced past `nowMs` before it is returned. */
  due(nowMs: number): PunctuationSchedule<N>[] {
    const due = this.schedules
      .filter((s) => s.nextMs <= nowMs)
      .sort((a, b) => a.nextMs - b.nextMs || a.seq - b.seq);
    for (const s of due) {
      const missed = Math.floor((nowMs - s.nextMs) / s.intervalMs);
      s.nextMs += (missed + 1) * s.intervalMs;
    }
    return due;
  }

  /** When the earliest schedule fires next (Infinity when there is none). */
  nextMs(): number {
    let next = Infinity;
    for (const s of this.schedules) if (s.nextMs < next) next = s.nextMs;
    return next;
  }

  size(): number {
    return this.schedules.length;
  }
}
