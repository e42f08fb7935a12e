import { monitorEventLoopDelay } from 'node:perf_hooks';
import type { ConsumedRecord } from '../../runtime/index.ts';
import { LatencyHistogram, type PercentilePoint } from './latency-histogram.ts';
import { MilestoneTracker } from './milestone-tracker.ts';
import { parseMilestones, TERMINAL_STATUSES } from './milestones.ts';
import { orderIdFor, orderIndexOf, orderValue } from './order-factory.ts';
import { TopicProducer } from './order-producer.ts';
import { seededRandom } from './prng.ts';
import { runSendSchedule } from './send-schedule.ts';
import { TailReader } from './tail-reader.ts';

export { loadStock, type LoadStockOptions } from './stock.ts';

export interface OpenLoopOptions {
  bootstrap: string;
  ordersTopic: string;
  statusTopic: string;
  /** Offered load, orders per second. */
  rate: number;
  durationS: number;
  /** Distinct SKUs (SKU-0 … SKU-(n-1)), chosen uniformly. Default 1000. */
  skus?: number;
  /** Distinct SKUs per order, quantity 1 each. Default 1. */
  linesPerOrder?: number;
  /** Order ids are `<idPrefix>-<i>`; statuses of other orders are ignored. */
  idPrefix: string;
  /** How long to wait after the last send for outstanding orders. Default 60. */
  drainTimeoutS?: number;
  /** Statuses to time, e.g. ['RESERVED|REJECTED', 'SHIPPED']. */
  milestones: readonly string[];
  /** PRNG seed of the SKU choice. Default 1. */
  seed?: number;
  /** Statuses after which an order gets no more (default CONTRACT.md's terminal ones). */
  terminalStatuses?: readonly string[];
  /** Produce requests awaiting the broker at once. Default 1 (orders due meanwhile batch up). */
  maxInFlight?: number;
  /** Orders per produce request at most. Default 500. */
  maxBatch?: number;
  onProgress?(snapshot: ProgressSnapshot): void;
  progressIntervalMs?: number;
}

export interface ProgressSnapshot {
  phase: 'sending' | 'draining';
  elapsedS: number;
  /** Orders whose intended send time has passed. */
  due: number;
  /** Orders the broker acknowledged. */
  sent: number;
  completed: Record<string, number>;
  /** ms; NaN until the first completion. */
  p99SoFar: Record<string, number>;
}

export interface LatencySummary {
  p50Ms: number;
  p90Ms: number;
  p99Ms: number;
  p999Ms: number;
  maxMs: number;
  meanMs: number;
}

export interface MilestoneResult extends LatencySummary {
  milestone: string;
  completed: number;
  /** Settled without this milestone (e.g. REJECTED orders never reach SHIPPED). */
  skipped: number;
  /** Still waiting for this milestone when the drain ended. */
  timedOut: number;
  /** completed / (time of the last completion − t0). */
  achievedRate: number;
  /**
   * p99 over completed and timed-out orders, the timed-out ones counted as infinitely slow:
   * Infinity (null in JSON) when more than 1% never arrived.
   */
  p99WithTimeoutsMs: number;
  distribution: PercentilePoint[];
  /** HdrHistogram, compressed base64, values in µs. */
  histogram: string;
}

export interface OpenLoopResult {
  idPrefix: string;
  offeredRate: number;
  durationS: number;
  /** Orders scheduled: round(rate × durationS). */
  intended: number;
  /** Orders the broker acknowledged. */
  sent: number;
  sendFailed: number;
  /** sent / (time of the last acknowledgement − t0). */
  achievedSendRate: number;
  /** Intended send time → broker acknowledgement: how far the generator itself fell behind. */
  sendLag: LatencySummary;
  milestones: MilestoneResult[];
  /** Sent orders that had not settled (all milestones, or a terminal status) when the drain ended. */
  timedOut: number;
  drainS: number;
  reader: { fetches: number; records: number; errors: number; unparsable: number };
  /**
   * Event-loop delay of this process during the run: when it is large, the generator itself was
   * starved of CPU and sends and reads are late (the latencies are still measured from the
   * intended times, but part of them is the generator's).
   */
  generator: { eventLoopDelayP99Ms: number; eventLoopDelayMaxMs: number };
  /** Total-run wall clock, for the log. */
  startedAt: string;
}

const DEFAULTS = { skus: 1000, linesPerOrder: 1, drainTimeoutS: 60, seed: 1, maxInFlight: 1, maxBatch: 500 };

/**
 * One open-loop run: order i is sent at its intended time t0 + i/rate whatever the pipeline does,
 * and each milestone's latency is (time its status was read) − (intended send time), so time an
 * order spent waiting to be sent counts (no coordinated omission).
 */
export async function runOpenLoop(options: OpenLoopOptions): Promise<OpenLoopResult> {
  const o = { ...DEFAULTS, ...withoutUndefined(options) };
  validate(o);
  const milestones = parseMilestones(o.milestones);
  const total = Math.round(o.rate * o.durationS);
  const clock = () => performance.now();
  let t0 = Number.POSITIVE_INFINITY;
  const intendedAt = (i: number): number => t0 + (i * 1000) / o.rate;
  const tracker = new MilestoneTracker(
    total,
    milestones,
    o.terminalStatuses ?? TERMINAL_STATUSES,
    intendedAt,
  );
  const sentOk = new Uint8Array(total);
  const sendLag = new LatencyHistogram();
  let sent = 0;
  let sendFailed = 0;
  let lastAckAt = Number.NaN;
  let unparsable = 0;
  let firstSendError: unknown = null;

  const keyPrefix = Buffer.from(`${o.idPrefix}-`);
  const onRecords = (records: readonly ConsumedRecord[], readAt: number): void => {
    for (const record of records) {
      // Cheap filter first: the status topic is shared with other runs and the pipeline's own traffic.
      if (record.key && !startsWith(record.key, keyPrefix)) continue;
      const event = parseStatus(record.value);
      if (!event) {
        unparsable++;
        continue;
      }
      const index = orderIndexOf(event.orderId, o.idPrefix, total);
      if (index !== undefined) tracker.observe(index, event.status, readAt);
    }
  };

  const clientId = `load-${o.idPrefix}`;
  const [readerStart, producerStart] = await Promise.allSettled([
    TailReader.start({
      bootstrap: o.bootstrap,
      topic: o.statusTopic,
      clientId: `${clientId}-status`,
      onRecords,
      clock,
    }),
    TopicProducer.connect({ bootstrap: o.bootstrap, topic: o.ordersTopic, clientId: `${clientId}-orders` }),
  ]);
  if (readerStart.status === 'rejected' || producerStart.status === 'rejected') {
    // Whichever did start must not keep the process alive.
    if (readerStart.status === 'fulfilled') await readerStart.value.stop();
    if (producerStart.status === 'fulfilled') await producerStart.value.close();
    const failed = readerStart.status === 'rejected' ? readerStart : (producerStart as PromiseRejectedResult);
    throw failed.reason;
  }
  const reader = readerStart.value;
  const producer = producerStart.value;
  const random = seededRandom(o.seed);
  const shape = { skus: o.skus, linesPerOrder: o.linesPerOrder, random };
  const startedAt = new Date().toISOString();
  let phase: ProgressSnapshot['phase'] = 'sending';
  const progress = (): ProgressSnapshot => ({
    phase,
    elapsedS: round((clock() - t0) / 1000),
    due: Math.min(total, Math.max(0, Math.floor(((clock() - t0) * o.rate) / 1000) + 1)),
    sent,
    completed: Object.fromEntries(milestones.map((m, i) => [m.name, tracker.completed[i] ?? 0])),
    p99SoFar: Object.fromEntries(
      milestones.map((m, i) => [m.name, tracker.histograms[i]?.percentileMs(99) ?? Number.NaN]),
    ),
  });
  const onProgress = o.onProgress;
  const timer = onProgress ? setInterval(() => onProgress(progress()), o.progressIntervalMs ?? 1000) : null;
  let drainS: number;
  const loopDelay = monitorEventLoopDelay({ resolution: 10 });
  loopDelay.enable();
  try {
    t0 = clock();
    await runSendSchedule({
      total,
      rate: o.rate,
      t0,
      clock,
      sink: producer,
      maxInFlight: o.maxInFlight,
      maxBatch: o.maxBatch,
      shouldStop: () => false,
      record: (i) => {
        const orderId = orderIdFor(o.idPrefix, i);
        const createdAt = Math.round(performance.timeOrigin + intendedAt(i));
        return { key: orderId, value: orderValue(orderId, shape, createdAt), timestamp: Date.now() };
      },
      onSent: (from, to) => {
        const now = clock();
        for (let i = from; i < to; i++) {
          sentOk[i] = 1;
          sendLag.record(now - intendedAt(i));
        }
        sent += to - from;
        lastAckAt = now;
      },
      onFailed: (from, to, error) => {
        sendFailed += to - from;
        firstSendError ??= error;
      },
    });
    phase = 'draining';
    const drainStart = clock();
    const deadline = drainStart + o.drainTimeoutS * 1000;
    while (clock() < deadline && !allSettled(tracker, sentOk)) {
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    drainS = round((clock() - drainStart) / 1000);
  } finally {
    loopDelay.disable();
    if (timer) clearInterval(timer);
    await Promise.all([reader.stop(), producer.close()]);
  }
  if (sent === 0 && firstSendError) throw new Error('Every send failed', { cause: firstSendError });

  const isCounted = (i: number): boolean => sentOk[i] === 1;
  const outcomes = tracker.outcomes(isCounted);
  let timedOut = 0;
  for (let i = 0; i < total; i++) if (sentOk[i] && !tracker.isSettled(i)) timedOut++;
  return {
    idPrefix: o.idPrefix,
    offeredRate: o.rate,
    durationS: o.durationS,
    intended: total,
    sent,
    sendFailed,
    achievedSendRate: round(sent / ((lastAckAt - t0) / 1000)),
    sendLag: summary(sendLag),
    milestones: milestones.map((m, i): MilestoneResult => {
      const histogram = tracker.histograms[i] as LatencyHistogram;
      const completed = tracker.completed[i] ?? 0;
      const outcome = outcomes[i] ?? { skipped: 0, timedOut: 0 };
      const lastAt = tracker.lastCompletionAt[i] ?? Number.NaN;
      return {
        milestone: m.name,
        completed,
        skipped: outcome.skipped,
        timedOut: outcome.timedOut,
        achievedRate: completed === 0 ? 0 : round(completed / ((lastAt - t0) / 1000)),
        ...summary(histogram),
        p99WithTimeoutsMs: percentileWithTimeouts(histogram, outcome.timedOut, 99),
        distribution: histogram.distribution(),
        histogram: histogram.encoded(),
      };
    }),
    timedOut,
    drainS,
    reader: { fetches: reader.fetches, records: reader.records, errors: reader.errors, unparsable },
    generator: {
      // The monitor reports nanoseconds, and its 10 ms sampling interval is included in each sample.
      eventLoopDelayP99Ms: round(Math.max(0, loopDelay.percentile(99) / 1e6 - 10)),
      eventLoopDelayMaxMs: round(Math.max(0, loopDelay.max / 1e6 - 10)),
    },
    startedAt,
  };
}

function summary(h: LatencyHistogram): LatencySummary {
  return {
    p50Ms: h.percentileMs(50),
    p90Ms: h.percentileMs(90),
    p99Ms: h.percentileMs(99),
    p999Ms: h.percentileMs(99.9),
    maxMs: h.maxMs,
    meanMs: h.meanMs,
  };
}

/** The percentile over arrived and never-arrived orders, never-arrived ones being the slowest. */
function percentileWithTimeouts(h: LatencyHistogram, timedOut: number, percentile: number): number {
  const all = h.count + timedOut;
  if (all === 0) return Number.NaN;
  const rank = Math.ceil((percentile / 100) * all);
  if (rank > h.count) return Number.POSITIVE_INFINITY;
  return h.percentileMs((100 * rank) / h.count);
}

function allSettled(tracker: MilestoneTracker, sentOk: Uint8Array): boolean {
  // Cheap check first; the scan only runs once counts say it may be done.
  let expected = 0;
  for (const flag of sentOk) expected += flag;
  if (tracker.settled < expected) return false;
  for (let i = 0; i < sentOk.length; i++) if (sentOk[i] && !tracker.isSettled(i)) return false;
  return true;
}

function parseStatus(value: Buffer | null): { orderId: string; status: string } | undefined {
  if (!value) return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(value.toString('utf8'));
  } catch {
    return undefined;
  }
  if (parsed === null || typeof parsed !== 'object') return undefined;
  const { orderId, status } = parsed as Record<string, unknown>;
  return typeof orderId === 'string' && typeof status === 'string' ? { orderId, status } : undefined;
}

function startsWith(buffer: Buffer, prefix: Buffer): boolean {
  return buffer.length >= prefix.length && buffer.subarray(0, prefix.length).equals(prefix);
}

function validate(
  o: Required<Pick<OpenLoopOptions, 'rate' | 'durationS' | 'skus' | 'linesPerOrder'>> & OpenLoopOptions,
): void {
  const positive = (name: string, v: number) => {
    if (!(Number.isFinite(v) && v > 0)) throw new Error(`${name} must be a positive number, got ${v}`);
  };
  positive('rate', o.rate);
  positive('durationS', o.durationS);
  positive('skus', o.skus);
  if (!Number.isInteger(o.linesPerOrder) || o.linesPerOrder < 1 || o.linesPerOrder > 100)
    throw new Error(`linesPerOrder must be 1..100 (CONTRACT.md), got ${o.linesPerOrder}`);
  if (o.linesPerOrder > o.skus)
    throw new Error(`linesPerOrder (${o.linesPerOrder}) exceeds skus (${o.skus})`);
  if (Math.round(o.rate * o.durationS) < 1) throw new Error('rate × durationS gives no order');
  if (!o.idPrefix) throw new Error('idPrefix must not be empty');
}

function withoutUndefined<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}

function round(n: number): number {
  return Math.round(n * 100) / 100;
}
