import type { KeyValueStore } from '../../../state-stores/state-store.ts';
import type { Processor, ProcessorContext, ProcessorSupplier } from '../../processor.ts';
import { StreamRecord } from '../../record.ts';
import type { Serde } from '../../serde.ts';
import type { JoinWindows } from '../../windows.ts';

/**
 * Buffer keys of a join side: `<key length:4><key bytes><timestamp:8><offset:8>`, so one key's
 * records sort by time and a time range of one key is a single range scan; the source offset
 * keeps two records with the same key and timestamp apart.
 */
function bufferKey(key: Buffer, timestamp: number, offset: bigint): Buffer {
  const out = Buffer.alloc(4 + key.length + 16);
  out.writeUInt32BE(key.length, 0);
  key.copy(out, 4);
  out.writeBigInt64BE(BigInt(Math.max(0, timestamp)), 4 + key.length);
  out.writeBigInt64BE(offset, 12 + key.length);
  return out;
}

function timestampOf(buffered: Buffer): number {
  return Number(buffered.readBigInt64BE(buffered.length - 16));
}

/**
 * Highest timestamp buffered so far per join buffer (Kafka Streams' window store's observed stream
 * time). The buffering and the probing processors of one task hold the same store instance.
 */
const observedTime = new WeakMap<object, number>();

/** How long a buffer retains a record behind its highest timestamp: Kafka Streams' join window store retention. */
function retentionOf(windows: JoinWindows): number {
  return windows.beforeMs + windows.afterMs + windows.graceMs;
}

/**
 * Kafka Streams' `KStreamJoinWindow` (the KSTREAM-WINDOWED node): buffers each record of one side
 * of a stream–stream join in that side's store, then passes it on to the side's join processor.
 * As Kafka Streams' window stores do, a buffer retains a record while it is within before + after
 * + grace of the highest timestamp buffered there: an older record is not buffered (it is still
 * passed on and joined), and records beyond that are purged.
 */
export function streamJoinWindowProcessor<K, V>(options: {
  store: string;
  keySerde: Serde<K>;
  windows: JoinWindows;
}): ProcessorSupplier<K, V, K, V> {
  const retention = retentionOf(options.windows);
  return (): Processor<K, V, K, V> => {
    let context: ProcessorContext<K, V>;
    let mine: KeyValueStore<Buffer, V>;
    let lastPurge = -1;
    let sequence = 0n;
    return {
      init(ctx) {
        context = ctx;
        mine = ctx.getStateStore<KeyValueStore<Buffer, V>>(options.store);
      },
      async process(record: StreamRecord<K, V>) {
        if (record.key === null || record.key === undefined) return;
        context.forward(record);
        if (record.value === null) return;
        const t = record.timestamp;
        const observed = Math.max(observedTime.get(mine) ?? t, t);
        observedTime.set(mine, observed);
        if (t > observed - retention) {
          const keyBytes = options.keySerde.serialize(options.store, record.key);
          const offset = context.recordMetadata()?.offset ?? sequence++;
          await mine.put(bufferKey(keyBytes, t, offset), record.value);
        }
        // Purge once per retention length of observed time.
        const step = Math.floor(observed / Math.max(1, retention));
        if (step !== lastPurge) {
          lastPurge = step;
          for (const { key } of await mine.all()) {
            if (timestampOf(key) <= observed - retention) await mine.delete(key);
          }
        }
      },
    };
  };
}

/** Stream time of one left join of one task, shared by its two sides (Kafka Streams' shared TimeTracker). */
const sharedStreamTime = new WeakMap<object, { streamTime: number }>();

/**
 * Key of an unmatched left record waiting in the KSTREAM-OUTERSHARED store:
 * `<timestamp:8><side:1><key bytes>` (Kafka Streams' TimestampedKeyAndJoinSide), so the store
 * iterates oldest first; two left records of one key and timestamp share an entry, as there.
 */
function pendingKey(timestamp: number, keyBytes: Buffer): Buffer {
  const out = Buffer.alloc(9 + keyBytes.length);
  out.writeBigInt64BE(BigInt(Math.max(0, timestamp)), 0);
  out.writeUInt8(1, 8); // the left side
  keyBytes.copy(out, 9);
  return out;
}

/**
 * One side of Kafka Streams' `KStreamKStreamJoin` (KSTREAM-JOINTHIS / -JOINOTHER / -OUTEROTHER,
 * after the side's KSTREAM-WINDOWED node): joins each record with the other side's buffered
 * records of the same key within the time difference that the other buffer still retains; a
 * result carries the later of the two timestamps. Nothing is dropped as late here (nor in Kafka
 * Streams): a late record joins with what is left.
 *
 * Left join (Kafka Streams ≥ 3.1): an unmatched left record waits in the shared `outerStore`
 * until a right record joins it (it is then removed) or its window closes (timestamp + after +
 * grace < stream time), when it is emitted as (value, null) with its own timestamp; a record whose
 * window has already closed on arrival is emitted at once. Pending records are emitted when a
 * record advances the join's stream time, before that record's own results. Kafka Streams also
 * throttles this by wall clock (at most once a second); we do not.
 */
export function streamJoinSideProcessor<K, VThis, VOther, VR>(options: {
  otherStore: string;
  keySerde: Serde<K>;
  windows: JoinWindows;
  joiner: (mine: VThis, theirs: VOther | null, key: K) => VR | null;
  /** Left join only: the shared store of unmatched left records. */
  outerStore?: string;
  /** Left join, left side: this side's unmatched records wait in `outerStore`. */
  emitUnmatched: boolean;
  /** Left join: the result for a left value that never matched. */
  unmatchedLeft?: (leftValue: unknown, key: K) => VR | null;
}): ProcessorSupplier<K, VThis, K, VR> {
  const { windows } = options;
  const retention = retentionOf(windows);
  return (): Processor<K, VThis, K, VR> => {
    let context: ProcessorContext<K, VR>;
    let theirs: KeyValueStore<Buffer, VOther>;
    let outer: KeyValueStore<Buffer, unknown> | null = null;
    let tracker: { streamTime: number } = { streamTime: -1 };

    async function emitPending(): Promise<void> {
      if (!outer || !options.unmatchedLeft) return;
      for (const { key, value } of await outer.all()) {
        const timestamp = Number(key.readBigInt64BE(0));
        if (timestamp + windows.afterMs + windows.graceMs >= tracker.streamTime) break;
        const recordKey = options.keySerde.deserialize(options.otherStore, key.subarray(9));
        const joined = options.unmatchedLeft(value, recordKey);
        if (joined !== null) {
          context.forward(new StreamRecord<K, VR>(recordKey, joined, timestamp, new Map()));
        }
        await outer.delete(key);
      }
    }

    return {
      init(ctx) {
        context = ctx;
        theirs = ctx.getStateStore<KeyValueStore<Buffer, VOther>>(options.otherStore);
        if (options.outerStore) {
          outer = ctx.getStateStore<KeyValueStore<Buffer, unknown>>(options.outerStore);
          const shared = sharedStreamTime.get(outer) ?? { streamTime: -1 };
          sharedStreamTime.set(outer, shared);
          tracker = shared;
        }
      },
      async process(record: StreamRecord<K, VThis>) {
        const t = record.timestamp;
        tracker.streamTime = Math.max(tracker.streamTime, t);
        if (record.key === null || record.key === undefined || record.value === null) return;
        if (outer && t === tracker.streamTime) await emitPending();
        const keyBytes = options.keySerde.serialize(options.otherStore, record.key);
        const theirsObserved = observedTime.get(theirs);
        const visibleFrom = Math.max(
          t - windows.beforeMs,
          theirsObserved === undefined ? t - windows.beforeMs : theirsObserved - retention + 1,
        );
        const from = bufferKey(keyBytes, visibleFrom, 0n);
        const to = bufferKey(keyBytes, t + windows.afterMs, 0x7fffffffffffffffn);
        let matched = false;
        for (const { key, value } of await theirs.range(from, to)) {
          const joined = options.joiner(record.value, value, record.key);
          if (joined === null) continue;
          matched = true;
          const otherTimestamp = timestampOf(key);
          context.forward(record.withValue(joined).withTimestamp(Math.max(t, otherTimestamp)));
          // A left record that now found a match no longer waits for its window to close.
          if (outer && !options.emitUnmatched) await outer.delete(pendingKey(otherTimestamp, keyBytes));
        }
        if (!matched && options.emitUnmatched) {
          if (outer && t + windows.afterMs >= tracker.streamTime) {
            await outer.put(pendingKey(t, keyBytes), record.value);
          } else {
            const joined = options.joiner(record.value, null, record.key);
            if (joined !== null) context.forward(record.withValue(joined));
          }
        }
      },
    };
  };
}
