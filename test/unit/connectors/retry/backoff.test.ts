import { ceilingMs, nextDelayMs, retryPolicy } from '../../../../connectors/retry/backoff.ts';
import { ConfigError } from '../../../../engine-common/errors.ts';

const base = { baseMs: 100, maxMs: 5_000 } as const;

describe('nextDelayMs', () => {
  it('doubles the ceiling per attempt and caps it at maxMs', () => {
    const delays = [1, 2, 3, 4, 5, 6, 7, 8].map((attempt) =>
      nextDelayMs(attempt, { ...base, jitter: 'none' }),
    );
    expect(delays).toEqual([100, 200, 400, 800, 1600, 3200, 5000, 5000]);
  });

  it('full jitter stays within [0, ceiling] at both ends of the random range', () => {
    for (const attempt of [1, 2, 5, 10, 60]) {
      const ceiling = ceilingMs(attempt, base);
      expect(nextDelayMs(attempt, { ...base, jitter: 'full', random: () => 0 })).toBe(0);
      expect(nextDelayMs(attempt, { ...base, jitter: 'full', random: () => 0.999_999_999 })).toBe(ceiling);
      expect(nextDelayMs(attempt, { ...base, jitter: 'full', random: () => 0.5 })).toBe(
        Math.floor(0.5 * (ceiling + 1)),
      );
    }
  });

  it('full jitter with Math.random is always within bounds and grows on average', () => {
    const mean = (attempt: number) => {
      let sum = 0;
      for (let i = 0; i < 2_000; i++) {
        const delay = nextDelayMs(attempt, { ...base, jitter: 'full' });
        expect(delay).toBeGreaterThanOrEqual(0);
        expect(delay).toBeLessThanOrEqual(ceilingMs(attempt, base));
        expect(Number.isInteger(delay)).toBe(true);
      }
      for (let i = 0; i < 2_000; i++) sum += nextDelayMs(attempt, { ...base, jitter: 'full' });
      return sum / 2_000;
    };
    const [m1, m3, m5] = [mean(1), mean(3), mean(5)];
    expect(m3).toBeGreaterThan(m1 * 2);
    expect(m5).toBeGreaterThan(m3 * 2);
  });

  it('does not overflow for huge attempt numbers', () => {
    expect(nextDelayMs(10_000, { ...base, jitter: 'none' })).toBe(5_000);
  });

  it('rejects bad input with a ConfigError naming the key', () => {
    expect(() => nextDelayMs(0, { ...base, jitter: 'full' })).toThrow(ConfigError);
    expect(() => nextDelayMs(1.5, { ...base, jitter: 'full' })).toThrow(/attempt/);
    expect(() => nextDelayMs(1, { baseMs: 0, maxMs: 10, jitter: 'full' })).toThrow(/baseMs/);
    expect(() => nextDelayMs(1, { baseMs: 100, maxMs: 50, jitter: 'full' })).toThrow(/maxMs/);
    expect(() => nextDelayMs(1, { ...base, jitter: 'full', random: () => 1 })).toThrow(/random/);
  });
});

describe('retryPolicy', () => {
  it('allows maxAttempts attempts in total and delays with the configured backoff', () => {
    const policy = retryPolicy({ maxAttempts: 3, baseMs: 50, maxMs: 1_000, jitter: 'none' });
    expect([0, 1, 2, 3].map((n) => policy.canRetry(n))).toEqual([true, true, true, false]);
    expect([1, 2].map((n) => policy.delayAfter(n))).toEqual([50, 100]);
  });

  it('validates at construction', () => {
    expect(() => retryPolicy({ maxAttempts: 0, baseMs: 50, maxMs: 1_000, jitter: 'full' })).toThrow(
      /maxAttempts/,
    );
  });
});
