import { TopologyError } from '../engine-common/errors.ts';
import { SerdeError } from '../engine-common/errors.ts';
import type { Serde } from '../engine-common/serde.ts';
import type { Window, Windowed } from '../engine-common/windowed.ts';

// The windowed key is shared with the state stores, so it lives on the engine's ground floor.
export type { Window, Windowed } from '../engine-common/windowed.ts';

/**
 * Fixed-size time windows: tumbling (advance = size) or hopping (`advanceBy`), with a grace period
 * after the window end during which late records are still counted: Kafka Streams' `TimeWindows`.
 */
export class TimeWindows {
  readonly sizeMs: number;
  readonly advanceMs: number;
  readonly graceMs: number;

  private constructor(sizeMs: number, advanceMs: number, graceMs: number) {
    if (!Number.isInteger(sizeMs) || sizeMs <= 0)
      throw new TopologyError(`Window size must be a positive integer of ms, got ${sizeMs}`);
    if (!Number.isInteger(advanceMs) || advanceMs <= 0 || advanceMs > sizeMs) {
      throw new TopologyError(`Window advance must be in (0, size=${sizeMs}] ms, got ${advanceMs}`);
    }
    if (!Number.isInteger(graceMs) || graceMs < 0)
      throw new TopologyError(`Grace must be a non-negative integer of ms, got ${graceMs}`);
    this.sizeMs = sizeMs;
    this.advanceMs = advanceMs;
    this.graceMs = graceMs;
  }

  static ofSizeAndGrace(sizeMs: number, graceMs: number): TimeWindows {
    return new TimeWindows(sizeMs, sizeMs, graceMs);
  }

  static ofSizeWithNoGrace(sizeMs: number): TimeWindows {
    return new TimeWindows(sizeMs, sizeMs, 0);
  }

  /** Hopping windows: a new window starts every `advanceMs`. */
  advanceBy(advanceMs: number): TimeWindows {
    return new TimeWindows(this.sizeMs, advanceMs, this.graceMs);
  }

  /** Every window containing `timestamp`, oldest first (aligned to the epoch, as in Kafka Streams). */
  windowsFor(timestamp: number): Window[] {
    const windows: Window[] = [];
    const first = Math.max(0, timestamp - this.sizeMs + this.advanceMs);
    let start = first - (first % this.advanceMs);
    for (; start <= timestamp; start += this.advanceMs) windows.push({ start, end: start + this.sizeMs });
    return windows;
  }
}

/**
 * How far apart two records may be in time to join: Kafka Streams' `JoinWindows`. Symmetric by
 * default (`|t1 − t2| ≤ difference`), with a grace period for out-of-order records.
 */
export class JoinWindows {
  readonly beforeMs: number;
  readonly afterMs: number;
  readonly graceMs: number;

  private constructor(beforeMs: number, afterMs: number, graceMs: number) {
    for (const [name, value] of [
      ['difference', beforeMs],
      ['difference', afterMs],
      ['grace', graceMs],
    ] as const) {
      if (!Number.isInteger(value) || value < 0)
        throw new TopologyError(`Join window ${name} must be a non-negative integer of ms, got ${value}`);
    }
    this.beforeMs = beforeMs;
    this.afterMs = afterMs;
    this.graceMs = graceMs;
  }

  static ofTimeDifferenceAndGrace(differenceMs: number, graceMs: number): JoinWindows {
    return new JoinWindows(differenceMs, differenceMs, graceMs);
  }

  static ofTimeDifferenceWithNoGrace(differenceMs: number): JoinWindows {
    return new JoinWindows(differenceMs, differenceMs, 0);
  }
}

/**
 * Sessions: activity of a key separated by gaps of inactivity longer than `gapMs`; a record that
 * falls between two sessions merges them. Kafka Streams' `SessionWindows`.
 */
export class SessionWindows {
  readonly gapMs: number;
  readonly graceMs: number;

  private constructor(gapMs: number, graceMs: number) {
    if (!Number.isInteger(gapMs) || gapMs <= 0)
      throw new TopologyError(`Session gap must be a positive integer of ms, got ${gapMs}`);
    if (!Number.isInteger(graceMs) || graceMs < 0)
      throw new TopologyError(`Grace must be a non-negative integer of ms, got ${graceMs}`);
    this.gapMs = gapMs;
    this.graceMs = graceMs;
  }

  static ofInactivityGapAndGrace(gapMs: number, graceMs: number): SessionWindows {
    return new SessionWindows(gapMs, graceMs);
  }

  static ofInactivityGapWithNoGrace(gapMs: number): SessionWindows {
    return new SessionWindows(gapMs, 0);
  }
}

/** When a windowed aggregation emits: on every update, or once when the window closes. */
export const EmitStrategy = {
  onWindowUpdate: () => 'update' as const,
  onWindowClose: () => 'close' as const,
};
export type EmitStrategyValue = ReturnType<(typeof EmitStrategy)[keyof typeof EmitStrategy]>;

/**
 * Serdes for windowed keys in Kafka Streams' time-windowed format: the inner key bytes followed by
 * the 8-byte big-endian window start (the size is fixed, so the end is derived).
 */
export const WindowedSerdes = {
  /** Kafka Streams' session-windowed format: the inner key bytes, then end and start (8 bytes each). */
  sessionWindowedSerdeFrom<K>(inner: Serde<K>): Serde<Windowed<K>> {
    return {
      serialize: (topic, windowed) => {
        const times = Buffer.alloc(16);
        times.writeBigInt64BE(BigInt(windowed.window.end), 0);
        times.writeBigInt64BE(BigInt(windowed.window.start), 8);
        return Buffer.concat([inner.serialize(topic, windowed.key), times]);
      },
      deserialize: (topic, data) => {
        if (data.length < 16)
          throw new SerdeError(`Session key on ${topic}: ${data.length} bytes, expected at least 16`);
        const end = Number(data.readBigInt64BE(data.length - 16));
        const start = Number(data.readBigInt64BE(data.length - 8));
        return { key: inner.deserialize(topic, data.subarray(0, data.length - 16)), window: { start, end } };
      },
    };
  },
  timeWindowedSerdeFrom<K>(inner: Serde<K>, windowSizeMs: number): Serde<Windowed<K>> {
    return {
      serialize: (topic, windowed) => {
        const start = Buffer.alloc(8);
        start.writeBigInt64BE(BigInt(windowed.window.start));
        return Buffer.concat([inner.serialize(topic, windowed.key), start]);
      },
      deserialize: (topic, data) => {
        if (data.length < 8)
          throw new SerdeError(`Windowed key on ${topic}: ${data.length} bytes, expected at least 8`);
        const start = Number(data.readBigInt64BE(data.length - 8));
        return {
          key: inner.deserialize(topic, data.subarray(0, data.length - 8)),
          window: { start, end: start + windowSizeMs },
        };
      },
    };
  },
};
