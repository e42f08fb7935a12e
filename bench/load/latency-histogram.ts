import { build, encodeIntoCompressedBase64, type Histogram } from 'hdr-histogram-js';

/** Recorded in microseconds, so sub-millisecond differences survive; reported in milliseconds. */
const MICROS_PER_MS = 1000;
/** 5 minutes: a latency beyond it is recorded as 5 minutes (it is a failure at any target anyway). */
const HIGHEST_US = 300_000 * MICROS_PER_MS;

/** Percentiles reported for plots: dense in the tail, where open-loop runs differ. */
export const DISTRIBUTION_PERCENTILES: readonly number[] = [
  0, 10, 20, 30, 40, 50, 60, 70, 75, 80, 85, 90, 95, 97.5, 99, 99.5, 99.9, 99.95, 99.99, 100,
];

export interface PercentilePoint {
  percentile: number;
  ms: number;
}

export class LatencyHistogram {
  private readonly histogram: Histogram = build({
    lowestDiscernibleValue: 1,
    highestTrackableValue: HIGHEST_US,
    numberOfSignificantValueDigits: 3,
    autoResize: false,
  });

  record(latencyMs: number): void {
    const us = Math.round(latencyMs * MICROS_PER_MS);
    this.histogram.recordValue(Math.min(HIGHEST_US, Math.max(0, us)));
  }

  get count(): number {
    return this.histogram.totalCount;
  }

  /** NaN when nothing was recorded: an empty run has no percentiles, and 0 would read as "fast". */
  percentileMs(percentile: number): number {
    if (this.count === 0) return Number.NaN;
    // A percentile is the top of its bucket, which can lie above the largest value recorded.
    const us = Math.min(this.histogram.getValueAtPercentile(percentile), this.histogram.maxValue);
    return round(us / MICROS_PER_MS);
  }

  get maxMs(): number {
    return this.count === 0 ? Number.NaN : round(this.histogram.maxValue / MICROS_PER_MS);
  }

  get meanMs(): number {
    return this.count === 0 ? Number.NaN : round(this.histogram.mean / MICROS_PER_MS);
  }

  distribution(): PercentilePoint[] {
    return DISTRIBUTION_PERCENTILES.map((percentile) => ({ percentile, ms: this.percentileMs(percentile) }));
  }

  /** HdrHistogram's compressed base64 form (in µs): runs can be merged or re-plotted later. */
  encoded(): string {
    return encodeIntoCompressedBase64(this.histogram);
  }
}

function round(ms: number): number {
  return Math.round(ms * 100) / 100;
}
