/** A clock the task reads for wall-clock punctuation and `currentSystemTimeMs()`; tests pass a mock. */
export interface Time {
  nowMs(): number;
}

export const SystemTime: Time = { nowMs: () => Date.now() };
