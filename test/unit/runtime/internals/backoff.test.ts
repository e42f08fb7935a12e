import {
  FailureStreak,
  RECOVERY_BACKOFF_MS,
  STREAK_RESET_MS,
} from '../../../../runtime/internals/backoff.ts';

describe('FailureStreak', () => {
  it('backs off further with every failure of a streak, up to the last step', () => {
    const streak = new FailureStreak();
    const delays = Array.from({ length: 8 }, (_, i) => streak.failed(1000 + i * 10).delayMs);
    expect(delays).toEqual([...RECOVERY_BACKOFF_MS, 5000, 5000]);
    expect(streak.failed(1100)).toEqual({ attempt: 9, delayMs: 5000, streakMs: 100 });
  });

  it('starts again after a success or a quiet spell', () => {
    const streak = new FailureStreak();
    streak.failed(0);
    streak.failed(10);
    streak.reset();
    expect(streak.failed(20)).toEqual({ attempt: 1, delayMs: 100, streakMs: 0 });
    expect(streak.failed(20 + STREAK_RESET_MS + 1).attempt).toBe(1);
  });
});
