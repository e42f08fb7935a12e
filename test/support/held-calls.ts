import type { TopologyTestDriver } from '../../testing/index.ts';

/**
 * Calls to a third party whose answers a test gives, one at a time and in any order: what a slow
 * gateway or SMTP server does to a processor that keeps several calls out.
 */
export class HeldCalls<A> {
  /** Keys of the calls made, in order. */
  readonly made: string[] = [];
  private readonly pending = new Map<string, (answer: A) => void>();

  hold(key: string): Promise<A> {
    this.made.push(key);
    return new Promise((resolve) => this.pending.set(key, resolve));
  }

  answer(key: string, answer: A): void {
    const resolve = this.pending.get(key);
    if (!resolve) throw new Error(`no call out for ${key}`);
    this.pending.delete(key);
    resolve(answer);
  }
}

/** Moves the driver's wall clock in 5 ms steps, so a punctuator every 5 ms sees each moment. */
export async function advanceInSteps(driver: TopologyTestDriver, ms: number, step = 5): Promise<void> {
  for (let t = 0; t < ms; t += step) await driver.advanceWallClockTime(step);
}
