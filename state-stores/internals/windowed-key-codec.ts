import { StateStoreError } from '../../engine-common/errors.ts';
import { prefixEnd, type ByteRange } from './bytes.ts';

/** Bytes of an encoded time (or segment id): a big-endian 64-bit integer, as Kafka Streams writes longs. */
export const TIME_BYTES = 8;
const LENGTH_BYTES = 4;
const TWO_32 = 2 ** 32;

/**
 * Writes a time as 8 big-endian bytes. Only non-negative safe integers are accepted: for those,
 * byte order is numeric order, and the bytes are those of Kafka Streams' `putLong` (and of the
 * join buffer's existing keys). Negative times would sort after every positive one, so they are
 * rejected here; callers clamp query bounds (see `clampTime`), never stored times.
 */
export function writeTime(out: Buffer, timeMs: number, offset: number): void {
  if (!Number.isSafeInteger(timeMs) || timeMs < 0)
    throw new StateStoreError(`Windowed store keys need a time in [0, 2^53), got ${timeMs}`);
  // Two 32-bit halves: no BigInt allocation per key (this runs for every window read and written).
  out.writeUInt32BE(Math.floor(timeMs / TWO_32), offset);
  out.writeUInt32BE(timeMs >>> 0, offset + 4);
}

export function readTime(bytes: Buffer, offset: number): number {
  return bytes.readUInt32BE(offset) * TWO_32 + bytes.readUInt32BE(offset + 4);
}

/** A query bound in the encodable range: below 0 nothing is stored, past 2^53 − 1 neither. */
export function clampTime(timeMs: number): number {
  if (timeMs <= 0) return 0;
  return timeMs >= Number.MAX_SAFE_INTEGER ? Number.MAX_SAFE_INTEGER : Math.floor(timeMs);
}

export interface DecodedWindowedKey {
  readonly key: Buffer;
  readonly timeMs: number;
  /** What follows the time: a session's start, a join record's offset; empty for windows. */
  readonly suffix: Buffer;
}

export interface WindowedKeyCodecOptions {
  /**
   * Segment length in ms: keys start with `floor(time / segmentIntervalMs)`, so time ranges of
   * whole segments are contiguous (expiry is a range delete) while inside a segment one key's
   * entries are contiguous in time order. null: no segment prefix (`<len><key><time><suffix>`,
   * the stream-stream join buffer's layout).
   */
  readonly segmentIntervalMs: number | null;
  /** Fixed length of the suffix after the time (0 for windows, 8 for sessions and join records). */
  readonly suffixBytes?: number;
}

/**
 * The one key layout of windowed state (window stores, session stores; the stream–stream join
 * buffer can adopt it): `<segment:8><key length:4><key bytes><time:8><suffix>`.
 *
 * - Per-key time-range fetch: inside a segment, a key's entries are one contiguous range in time
 *   order (the length prefix keeps key "a" apart from key "ab"); a fetch spanning segments is one
 *   seek per non-empty segment.
 * - Expiry and "all keys in a time range": whole segments are one contiguous range, because the
 *   segment id leads. With the segment as long as the step in which windows close (the windowed
 *   aggregation uses its advance), the closing windows are exactly the scanned segments.
 *
 * The segment interval trades the two: shorter segments make time-range scans and expiry touch
 * less beyond the range; longer ones make a per-key fetch over a long time span seek fewer times.
 */
export class WindowedKeyCodec {
  readonly segmentIntervalMs: number | null;
  readonly suffixBytes: number;
  private readonly headBytes: number;

  constructor(options: WindowedKeyCodecOptions) {
    const interval = options.segmentIntervalMs;
    if (interval !== null && (!Number.isSafeInteger(interval) || interval <= 0))
      throw new StateStoreError(`Segment interval must be a positive integer of ms, got ${interval}`);
    this.segmentIntervalMs = interval;
    this.suffixBytes = options.suffixBytes ?? 0;
    this.headBytes = interval === null ? 0 : TIME_BYTES;
  }

  /** The segment holding `timeMs` (0 when unsegmented). */
  segmentOf(timeMs: number): number {
    return this.segmentIntervalMs === null ? 0 : Math.floor(clampTime(timeMs) / this.segmentIntervalMs);
  }

  /** The first time of `segment`. */
  segmentStartMs(segment: number): number {
    return this.segmentIntervalMs === null ? 0 : segment * this.segmentIntervalMs;
  }

  encode(key: Buffer, timeMs: number, suffix?: Buffer): Buffer {
    const suffixLength = suffix?.length ?? 0;
    if (suffixLength !== this.suffixBytes)
      throw new StateStoreError(`Windowed key suffix must be ${this.suffixBytes} bytes, got ${suffixLength}`);
    const out = Buffer.allocUnsafe(this.headBytes + LENGTH_BYTES + key.length + TIME_BYTES + suffixLength);
    if (this.segmentIntervalMs !== null) writeTime(out, this.segmentOf(timeMs), 0);
    this.writeKeyAndTime(out, key, timeMs);
    suffix?.copy(out, out.length - suffixLength);
    return out;
  }

  decode(stored: Buffer): DecodedWindowedKey {
    const length = stored.readUInt32BE(this.headBytes);
    const keyStart = this.headBytes + LENGTH_BYTES;
    if (stored.length !== keyStart + length + TIME_BYTES + this.suffixBytes)
      throw new StateStoreError(`Malformed windowed store key (${stored.length} bytes)`);
    return {
      key: stored.subarray(keyStart, keyStart + length),
      timeMs: readTime(stored, keyStart + length),
      suffix: stored.subarray(stored.length - this.suffixBytes),
    };
  }

  /** The time of a stored key, without copying its key bytes out. */
  timeOf(stored: Buffer): number {
    return readTime(stored, stored.length - this.suffixBytes - TIME_BYTES);
  }

  /** The segment of a stored key. */
  segmentOfStored(stored: Buffer): number {
    return this.segmentIntervalMs === null ? 0 : readTime(stored, 0);
  }

  /**
   * Entries of `key` in `segment` (ignored when unsegmented) whose time is in [fromMs, toMs],
   * whatever their suffix: one contiguous range.
   */
  keyRange(key: Buffer, fromMs: number, toMs: number, segment = 0): ByteRange {
    const from = this.keyBound(segment, key, clampTime(fromMs));
    if (toMs < fromMs) return { from, toExclusive: from };
    const to = clampTime(toMs);
    return {
      from,
      // Time `to + 1` with no suffix sorts after every suffix of `to`; past the last encodable
      // time, the end of the key's prefix does.
      toExclusive:
        to >= Number.MAX_SAFE_INTEGER
          ? prefixEnd(this.keyBound(segment, key, 0).subarray(0, -TIME_BYTES))
          : this.keyBound(segment, key, to + 1),
    };
  }

  /** Every entry of segments `first` to `last` (null: all later ones), both inclusive: one range. */
  segmentRange(first: number, last: number | null): ByteRange {
    if (this.segmentIntervalMs === null) return { from: null, toExclusive: null };
    const from = Buffer.allocUnsafe(TIME_BYTES);
    writeTime(from, Math.max(0, first), 0);
    if (last === null) return { from, toExclusive: null };
    const to = Buffer.allocUnsafe(TIME_BYTES);
    writeTime(to, Math.max(0, last + 1), 0);
    return { from, toExclusive: to };
  }

  /** `<segment><len><key><time>`: the smallest stored key of `key` at `timeMs`. */
  private keyBound(segment: number, key: Buffer, timeMs: number): Buffer {
    const out = Buffer.allocUnsafe(this.headBytes + LENGTH_BYTES + key.length + TIME_BYTES);
    if (this.segmentIntervalMs !== null) writeTime(out, segment, 0);
    this.writeKeyAndTime(out, key, timeMs);
    return out;
  }

  private writeKeyAndTime(out: Buffer, key: Buffer, timeMs: number): void {
    out.writeUInt32BE(key.length, this.headBytes);
    key.copy(out, this.headBytes + LENGTH_BYTES);
    writeTime(out, timeMs, this.headBytes + LENGTH_BYTES + key.length);
  }
}
