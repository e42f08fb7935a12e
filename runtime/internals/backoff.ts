/**
 * How the runtime's loops back off after a failure (a broker outage must not become a busy loop,
 * nor a silent stall): the stream thread and the global state maintainer share these steps.
 */
export const RECOVERY_BACKOFF_MS = [100, 250, 500, 1000, 2000, 5000] as const;
/** A failure this long after the previous one starts a new streak (the old one was overcome). */
export const STREAK_RESET_MS = 30_000;

/** One failure of a streak: its number, the delay before the next attempt, and how long the streak lasts. */
export interface FailureStep {
  readonly attempt: number;
  readonly delayMs: number;
  readonly streakMs: number;
}

/**
 * Counts consecutive failures. A success (`reset`) or a quiet spell of STREAK_RESET_MS ends the
 * streak; the owner gives up once `streakMs` passes its timeout (Kafka Streams' task.timeout.ms).
 */
export class FailureStreak {
  private failures = 0;
  private startedAt = 0;
  private lastAt = 0;

  failed(nowMs: number): FailureStep {
    if (this.failures === 0 || nowMs - this.lastAt > STREAK_RESET_MS) {
      this.failures = 0;
      this.startedAt = nowMs;
    }
    this.failures++;
    this.lastAt = nowMs;
    const delayMs = RECOVERY_BACKOFF_MS[
      Math.min(this.failures - 1, RECOVERY_BACKOFF_MS.length - 1)
    ] as number;
    return { attempt: this.failures, delayMs, streakMs: nowMs - this.startedAt };
  }

  reset(): void {
    this.failures = 0;
  }
}
