import { ConfigError } from '../../topology/index.ts';

/** A source of uniform numbers in [0, 1): `Math.random` in production, a fixed sequence in tests. */
export type RandomSource = () => number;

export interface BackoffOptions {
  /** Ceiling of the first retry's delay; each later retry doubles the ceiling. */
  baseMs: number;
  /** Upper bound of any delay, so a long outage does not push the next attempt out for hours. */
  maxMs: number;
  /**
   * `full`: the delay is uniform in [0, ceiling] ("full jitter"), which spreads the retries of many
   * orders that failed together (one gateway outage) instead of hitting the gateway in waves.
   * `none`: the delay is the ceiling itself; for tests and for reasoning about worst cases.
   */
  jitter: 'full' | 'none';
  random?: RandomSource;
}

/**
 * Delay before retry number `attempt` (1 for the first retry): exponential backoff with full jitter,
 * `uniform(0, min(maxMs, baseMs * 2^(attempt - 1)))`, rounded down to whole milliseconds.
 *
 * Callers store the resulting due time in state and let a wall-clock punctuator fire it; nothing
 * here sleeps.
 *
 * @example nextDelayMs(3, { baseMs: 200, maxMs: 30_000, jitter: 'full' }) // somewhere in [0, 800]
 */
export function nextDelayMs(attempt: number, options: BackoffOptions): number {
  if (!Number.isInteger(attempt) || attempt < 1) {
    throw new ConfigError('attempt', attempt, 'an integer >= 1 (1 is the first retry)');
  }
  validateBackoff(options);
  const ceiling = ceilingMs(attempt, options);
  if (options.jitter === 'none') return ceiling;
  const random = options.random ?? Math.random;
  const r = random();
  if (!(r >= 0 && r < 1)) throw new ConfigError('random()', r, 'a number in [0, 1)');
  return Math.floor(r * (ceiling + 1));
}

/** The largest delay retry number `attempt` can get (the jitter-free value). */
export function ceilingMs(attempt: number, options: Pick<BackoffOptions, 'baseMs' | 'maxMs'>): number {
  // 2^(attempt-1) overflows to Infinity for huge attempts; Math.min still caps it at maxMs.
  return Math.min(options.maxMs, options.baseMs * 2 ** (attempt - 1));
}

function validateBackoff(options: BackoffOptions): void {
  if (!Number.isFinite(options.baseMs) || options.baseMs < 1) {
    throw new ConfigError('baseMs', options.baseMs, 'a finite number >= 1');
  }
  if (!Number.isFinite(options.maxMs) || options.maxMs < options.baseMs) {
    throw new ConfigError('maxMs', options.maxMs, `a finite number >= baseMs (${options.baseMs})`);
  }
  if (options.jitter !== 'full' && options.jitter !== 'none') {
    throw new ConfigError('jitter', options.jitter, "'full' or 'none'");
  }
}

export interface RetryPolicyConfig extends BackoffOptions {
  /** Total attempts including the first; after that many failures the caller gives up (e.g. PAYMENT_FAILED). */
  maxAttempts: number;
}

/** A validated retry policy: how long to wait after a failure, and whether another attempt is allowed. */
export interface RetryPolicy {
  readonly maxAttempts: number;
  /** True while fewer than `maxAttempts` attempts have been made. */
  canRetry(attemptsMade: number): boolean;
  /** Delay before the next attempt, given how many attempts have already failed (>= 1). */
  delayAfter(attemptsMade: number): number;
}

/**
 * Validates once at start-up and returns the policy the processors keep.
 *
 * @example
 * const policy = retryPolicy({ maxAttempts: 5, baseMs: 500, maxMs: 30_000, jitter: 'full' });
 * if (policy.canRetry(state.attempts)) state.dueAt = now + policy.delayAfter(state.attempts);
 */
export function retryPolicy(config: RetryPolicyConfig): RetryPolicy {
  if (!Number.isInteger(config.maxAttempts) || config.maxAttempts < 1) {
    throw new ConfigError('maxAttempts', config.maxAttempts, 'an integer >= 1');
  }
  validateBackoff(config);
  const backoff: BackoffOptions = { ...config };
  return {
    maxAttempts: config.maxAttempts,
    canRetry: (attemptsMade) => attemptsMade < config.maxAttempts,
    delayAfter: (attemptsMade) => nextDelayMs(attemptsMade, backoff),
  };
}
