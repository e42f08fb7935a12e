import type { KeyedRecord, RecordSink } from './order-producer.ts';

export interface SendScheduleOptions {
  total: number;
  /** Orders per second; order i is due at t0 + i * 1000 / rate. */
  rate: number;
  /** Monotonic clock (ms) of order 0's intended send time. */
  t0: number;
  clock: () => number;
  sink: RecordSink;
  record(index: number): KeyedRecord;
  /** Sends awaiting the broker at once. Orders due meanwhile go in the next batch. */
  maxInFlight: number;
  /** Caps one produce request; a backlog goes out in several. */
  maxBatch: number;
  onSent(from: number, to: number): void;
  onFailed(from: number, to: number, error: unknown): void;
  shouldStop(): boolean;
}

/**
 * The open-loop sender. What is sent is decided by the schedule alone: at every turn, all orders
 * whose intended time has passed. A slow broker only makes the next batch larger (and its orders'
 * measured latency longer, since latency counts from the intended time), never skips or delays
 * orders out of the schedule. Resolves when every send has been answered.
 */
export async function runSendSchedule(options: SendScheduleOptions): Promise<void> {
  const { total, rate, t0, clock } = options;
  const inFlight = new Set<Promise<void>>();
  let next = 0;
  while (next < total && !options.shouldStop()) {
    const now = clock();
    const due = Math.min(total, Math.floor(((now - t0) * rate) / 1000) + 1);
    if (due <= next) {
      await sleep(t0 + (next * 1000) / rate - now);
      continue;
    }
    if (inFlight.size >= options.maxInFlight) {
      await Promise.race(inFlight);
      continue;
    }
    const from = next;
    const to = Math.min(due, next + options.maxBatch);
    next = to;
    const records: KeyedRecord[] = [];
    for (let i = from; i < to; i++) records.push(options.record(i));
    const sending: Promise<void> = options.sink.send(records).then(
      () => options.onSent(from, to),
      (error: unknown) => options.onFailed(from, to, error),
    );
    inFlight.add(sending);
    void sending.finally(() => inFlight.delete(sending));
    // Let the status reader and timers run between batches, even when catching up on a backlog.
    await new Promise<void>((resolve) => setImmediate(resolve));
  }
  await Promise.all(inFlight);
}

function sleep(ms: number): Promise<void> {
  // Timers fire on whole milliseconds at best; a shorter wait is a 1 ms wait.
  return new Promise((resolve) => setTimeout(resolve, Math.max(0, ms)));
}
