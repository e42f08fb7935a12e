import type { KeyValueStore } from '../../../state-stores/state-store.ts';
import type { Serde } from '../../../engine-common/serde.ts';
import type { JoinWindows } from '../../windows.ts';

/**
 * The shared "outer" store of a stream–stream left or outer join (Kafka Streams ≥ 3.1's
 * KSTREAM-OUTERSHARED store): records of an outer side that found no match yet wait here until a
 * match removes them or their window closes and they are emitted with null for the other side.
 *
 * Key: `<timestamp:8, big-endian><side:1><key bytes>`, Kafka Streams' TimestampedKeyAndJoinSide,
 * side 1 for the left stream and 0 for the right. The store iterates in key byte order, so pending
 * records come out oldest first and, at one timestamp, right before left, then by key bytes, as
 * in Kafka Streams.
 *
 * Value: Kafka Streams keeps this store as a ListValueStore: two records of one key, side and
 * timestamp are both kept, in arrival order. Ours is a list of Kafka Streams' LeftOrRightValue
 * encodings, each prefixed with its length: `(<length:4><side:1><value bytes>)+`, length counting
 * side and value bytes, the value serialized with that side's serde.
 */

/** One waiting record: a value of the left stream (`left: true`) or of the right one. */
export type LeftOrRightValue<VL, VR> =
  { readonly left: true; readonly value: VL } | { readonly left: false; readonly value: VR };

const LEFT = 1;
const RIGHT = 0;

export function pendingKey(left: boolean, timestamp: number, keyBytes: Buffer): Buffer {
  const out = Buffer.alloc(9 + keyBytes.length);
  out.writeBigInt64BE(BigInt(Math.max(0, timestamp)), 0);
  out.writeUInt8(left ? LEFT : RIGHT, 8);
  keyBytes.copy(out, 9);
  return out;
}

function parsePendingKey(key: Buffer): { timestamp: number; left: boolean; keyBytes: Buffer } {
  return {
    timestamp: Number(key.readBigInt64BE(0)),
    left: key.readUInt8(8) === LEFT,
    keyBytes: key.subarray(9),
  };
}

/** Encodes and decodes the store's value lists with the two streams' value serdes. */
export class LeftOrRightListCodec<VL, VR> {
  private readonly topic: string;
  private readonly leftSerde: Serde<VL>;
  private readonly rightSerde: Serde<VR>;

  constructor(topic: string, leftSerde: Serde<VL>, rightSerde: Serde<VR>) {
    this.topic = topic;
    this.leftSerde = leftSerde;
    this.rightSerde = rightSerde;
  }

  /** `existing` with `item` appended (ListValueStore.put). */
  append(existing: Buffer | undefined, item: LeftOrRightValue<VL, VR>): Buffer {
    const raw = item.left
      ? this.leftSerde.serialize(this.topic, item.value)
      : this.rightSerde.serialize(this.topic, item.value);
    const entry = Buffer.alloc(5 + raw.length);
    entry.writeUInt32BE(1 + raw.length, 0);
    entry.writeUInt8(item.left ? LEFT : RIGHT, 4);
    raw.copy(entry, 5);
    return existing ? Buffer.concat([existing, entry]) : entry;
  }

  decode(list: Buffer): LeftOrRightValue<VL, VR>[] {
    const out: LeftOrRightValue<VL, VR>[] = [];
    for (let at = 0; at < list.length;) {
      const length = list.readUInt32BE(at);
      const raw = list.subarray(at + 5, at + 4 + length);
      out.push(
        list.readUInt8(at + 4) === LEFT
          ? { left: true, value: this.leftSerde.deserialize(this.topic, raw) }
          : { left: false, value: this.rightSerde.deserialize(this.topic, raw) },
      );
      at += 4 + length;
    }
    return out;
  }
}

/**
 * Kafka Streams' KStreamImplJoin.TimeTracker, one per join per task, shared by its two sides:
 * the join's stream time and a lower bound of the pending timestamps (`minTime`), which decides
 * whether a scan of the outer store can emit anything at all. Kafka Streams maintains that bound
 * loosely (a scan leaves it at the last timestamp it looked at, which may be past a still-waiting
 * record), and that decides *when* a pending record comes out, so we keep it exactly as it does.
 */
export interface JoinTimeTracker {
  streamTime: number;
  /** Long.MAX_VALUE in Kafka Streams: "nothing known to wait". */
  minTime: number | null;
}

const trackers = new WeakMap<object, JoinTimeTracker>();

/** The tracker of the join whose outer store (per task) is `store`. */
export function timeTrackerOf(store: object): JoinTimeTracker {
  let tracker = trackers.get(store);
  if (!tracker) {
    tracker = { streamTime: -1, minTime: null };
    trackers.set(store, tracker);
  }
  return tracker;
}

/**
 * Whether a scan may find a closed window. Kafka Streams computes `minTime + after + grace >=
 * streamTime` in longs: with minTime at Long.MAX_VALUE the sum overflows to a negative number
 * (so it scans) unless after + grace is 0.
 */
function mayEmit(tracker: JoinTimeTracker, afterMs: number, graceMs: number): boolean {
  if (tracker.minTime === null) return afterMs + graceMs !== 0;
  return tracker.minTime + afterMs + graceMs < tracker.streamTime;
}

/**
 * Kafka Streams' emitNonJoinedOuterRecords: emits the waiting records whose window has closed —
 * timestamp + (after for a left record, before for a right one) + grace < stream time — oldest
 * first, each with its own timestamp and null for the other side, and deletes them. `afterMs` is
 * the calling side's own look-ahead (the windows' after for the left processor, before for the
 * right one): Kafka Streams skips the scan with it.
 */
export async function emitClosedPending<K, VL, VR>(options: {
  store: KeyValueStore<Buffer, Buffer>;
  tracker: JoinTimeTracker;
  codec: LeftOrRightListCodec<VL, VR>;
  keySerde: Serde<K>;
  topic: string;
  windows: JoinWindows;
  afterMs: number;
  forward: (key: K, pending: LeftOrRightValue<VL, VR>, timestamp: number) => void;
}): Promise<void> {
  const { store, tracker, windows } = options;
  if (!mayEmit(tracker, options.afterMs, windows.graceMs)) return;
  tracker.minTime = null;
  let leftOpen = false;
  let rightOpen = false;
  for (const { key, value } of await store.all()) {
    const { timestamp, left, keyBytes } = parsePendingKey(key);
    tracker.minTime = timestamp;
    if (leftOpen && rightOpen) break;
    const lookBack = left ? windows.afterMs : windows.beforeMs;
    if (timestamp + lookBack + windows.graceMs >= tracker.streamTime) {
      // Later records of this side are newer, so still open; the other side's may not be.
      if (left) leftOpen = true;
      else rightOpen = true;
      continue;
    }
    const recordKey = options.keySerde.deserialize(options.topic, keyBytes);
    for (const pending of options.codec.decode(value)) options.forward(recordKey, pending, timestamp);
    await store.delete(key);
  }
}
