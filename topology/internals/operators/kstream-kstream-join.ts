import type { KeyValueStore } from '../../../state-stores/state-store.ts';
import { WindowedKeyCodec } from '../../../state-stores/index.ts';
import type { Processor, ProcessorContext, ProcessorSupplier } from '../../processor.ts';
import { StreamRecord } from '../../../engine-common/record.ts';
import type { Serde } from '../../../engine-common/serde.ts';
import type { JoinWindows } from '../../windows.ts';
import {
  emitClosedPending,
  pendingKey,
  timeTrackerOf,
  type JoinTimeTracker,
  type LeftOrRightListCodec,
  type LeftOrRightValue,
} from './kstream-kstream-outer-store.ts';

/**
 * Buffer keys of a join side: the shared windowed key layout (`WindowedKeyCodec`,
 * `<segment><key length><key bytes><timestamp><offset>`), segmented as Kafka Streams segments its
 * join window stores (max(retention / 2, 60 s)). One key's records over a time range are one range
 * scan per segment (a join window spans one or two), and what retention drops is whole segments,
 * deleted by a range scan of just those: no scan of the live buffer. The source offset keeps two
 * records with the same key and timestamp apart.
 */
function bufferCodec(windows: JoinWindows): WindowedKeyCodec {
  return new WindowedKeyCodec({
    segmentIntervalMs: Math.max(Math.floor(retentionOf(windows) / 2), MIN_SEGMENT_INTERVAL_MS),
    suffixBytes: OFFSET_BYTES,
  });
}

/** Kafka Streams' lower bound on a window store's segment length. */
const MIN_SEGMENT_INTERVAL_MS = 60_000;
const OFFSET_BYTES = 8;

function offsetSuffix(offset: bigint): Buffer {
  const out = Buffer.allocUnsafe(OFFSET_BYTES);
  out.writeBigInt64BE(offset, 0);
  return out;
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
  const codec = bufferCodec(options.windows);
  return (): Processor<K, V, K, V> => {
    let context: ProcessorContext<K, V>;
    let mine: KeyValueStore<Buffer, V>;
    /** Segments up to this one hold nothing any more (-1: none purged yet by this instance). */
    let purgedThrough = -1;
    let sequence = 0n;
    return {
      init(ctx) {
        context = ctx;
        mine = ctx.getStateStore<KeyValueStore<Buffer, V>>(options.store);
      },
      async process(record: StreamRecord<K, V>) {
        // A keyless record is passed on (a left or outer join emits it, see below) but never buffered.
        context.forward(record);
        if (record.key === null || record.key === undefined || record.value === null) return;
        const t = record.timestamp;
        const observed = Math.max(observedTime.get(mine) ?? t, t);
        observedTime.set(mine, observed);
        if (t > observed - retention) {
          const keyBytes = options.keySerde.serialize(options.store, record.key);
          const offset = context.recordMetadata()?.offset ?? sequence++;
          await mine.put(codec.encode(keyBytes, t, offsetSuffix(offset)), record.value);
        }
        // Drop the segments whose every record is now beyond retention (lookups already ignore
        // such records: see visibleFrom below), reading only those segments.
        const expiredThrough = codec.segmentOf(observed - retention + 1) - 1;
        if (expiredThrough > purgedThrough) {
          const { from, toExclusive } = codec.segmentRange(purgedThrough + 1, expiredThrough);
          // A segment's prefix sorts before all of its keys, so the inclusive range ends before
          // segment expiredThrough + 1.
          if (from && toExclusive)
            for (const { key } of await mine.range(from, toExclusive)) await mine.delete(key);
          purgedThrough = expiredThrough;
        }
      },
    };
  };
}

/** The shared outer store of a left or outer join as one of its two side processors uses it. */
export interface OuterJoinSide<K, VThis, VL, VR, VOut> {
  readonly store: string;
  readonly codec: LeftOrRightListCodec<VL, VR>;
  /** This side's value as a waiting record of its side. */
  readonly pending: (value: VThis) => LeftOrRightValue<VL, VR>;
  /** The result for a record that never matched: the joiner with null for the other side. */
  readonly unmatched: (pending: LeftOrRightValue<VL, VR>, key: K) => VOut;
}

/**
 * One side of Kafka Streams' `KStreamKStreamJoin` (KSTREAM-JOINTHIS / -OUTERTHIS under the left
 * stream, KSTREAM-JOINOTHER / -OUTEROTHER under the right, after the side's KSTREAM-WINDOWED
 * node): joins each record with the other side's buffered records of the same key within the
 * time difference that the other buffer still retains; a result carries the later of the two
 * timestamps. Nothing is dropped as late here (nor in Kafka Streams): a late record joins with
 * what is left. Records with a null value are dropped (null is "no value" there), and so are
 * keyless ones, except on an outer side.
 *
 * Left and outer joins (Kafka Streams ≥ 3.1): a record of an outer side (the left side of a left
 * join, both sides of an outer join) that matches nothing waits in the shared outer store until a
 * record of the other side joins it (it is then removed) or its window closes, when it is emitted
 * with null for the other side and its own timestamp (see emitClosedPending); a record whose
 * window has already closed on arrival (timestamp + after < stream time) is emitted so at once.
 * Pending records are emitted when a record advances the join's stream time, before that record's
 * own results. Kafka Streams also throttles this by wall clock (at most once a second); we do not.
 */
export function streamJoinSideProcessor<K, VThis, VOther, VL, VR, VOut>(options: {
  /** The left stream's processor (JOINTHIS / OUTERTHIS) or the right one's. */
  leftSide: boolean;
  otherStore: string;
  keySerde: Serde<K>;
  windows: JoinWindows;
  joiner: (mine: VThis, theirs: VOther, key: K) => VOut;
  /** This side's unmatched records are emitted with null (needs `shared`). */
  outer: boolean;
  /** Left and outer joins: the shared store of unmatched records. */
  shared?: OuterJoinSide<K, VThis, VL, VR, VOut>;
}): ProcessorSupplier<K, VThis, K, VOut> {
  const { windows, shared, leftSide } = options;
  const retention = retentionOf(windows);
  const codec = bufferCodec(windows);
  // The right side looks at the left buffer the other way round.
  const beforeMs = leftSide ? windows.beforeMs : windows.afterMs;
  const afterMs = leftSide ? windows.afterMs : windows.beforeMs;
  return (): Processor<K, VThis, K, VOut> => {
    let context: ProcessorContext<K, VOut>;
    let theirs: KeyValueStore<Buffer, VOther>;
    let outer: KeyValueStore<Buffer, Buffer> | null = null;
    let tracker: JoinTimeTracker = { streamTime: -1, minTime: null };

    return {
      init(ctx) {
        context = ctx;
        theirs = ctx.getStateStore<KeyValueStore<Buffer, VOther>>(options.otherStore);
        if (shared) {
          outer = ctx.getStateStore<KeyValueStore<Buffer, Buffer>>(shared.store);
          tracker = timeTrackerOf(outer);
        }
      },
      async process(record: StreamRecord<K, VThis>) {
        const t = record.timestamp;
        tracker.streamTime = Math.max(tracker.streamTime, t);
        if (record.key === null || record.key === undefined) {
          // Kafka Streams ≥ 3.7 (KIP-962): a keyless record can never join, so an outer side
          // emits it with null for the other side at once; it still advanced stream time.
          if (options.outer && shared && record.value !== null) {
            context.forward(record.withValue(shared.unmatched(shared.pending(record.value), record.key)));
          }
          return;
        }
        if (record.value === null) return;
        if (outer && shared && t === tracker.streamTime) {
          await emitClosedPending({
            store: outer,
            tracker,
            codec: shared.codec,
            keySerde: options.keySerde,
            topic: shared.store,
            windows,
            afterMs,
            forward: (key, pending, timestamp) =>
              context.forward(
                record.withKey(key).withValue(shared.unmatched(pending, key)).withTimestamp(timestamp),
              ),
          });
        }
        const keyBytes = options.keySerde.serialize(options.otherStore, record.key);
        const theirsObserved = observedTime.get(theirs);
        const visibleFrom = Math.max(
          t - beforeMs,
          theirsObserved === undefined ? t - beforeMs : theirsObserved - retention + 1,
        );
        const visibleTo = t + afterMs;
        const matches: { key: Buffer; value: VOther }[] = [];
        for (let segment = codec.segmentOf(visibleFrom); segment <= codec.segmentOf(visibleTo); segment++) {
          const { from, toExclusive } = codec.keyRange(keyBytes, visibleFrom, visibleTo, segment);
          // The bound is `<key><visibleTo + 1>` without an offset: every stored key at that time is
          // longer and sorts after it, so the inclusive range stops at visibleTo.
          if (from && toExclusive && visibleTo >= visibleFrom)
            matches.push(...(await theirs.range(from, toExclusive)));
        }
        for (const { key, value } of matches) {
          const otherTimestamp = codec.timeOf(key);
          // The other side's records at that timestamp found a match: they no longer wait.
          if (outer) await outer.delete(pendingKey(!leftSide, otherTimestamp, keyBytes));
          const joined = options.joiner(record.value, value, record.key);
          context.forward(record.withValue(joined).withTimestamp(Math.max(t, otherTimestamp)));
        }
        if (!options.outer || !shared || matches.length > 0) return;
        const pending = shared.pending(record.value);
        if (!outer || t + afterMs < tracker.streamTime) {
          // Its window is already closed: nothing can join it any more.
          context.forward(record.withValue(shared.unmatched(pending, record.key)));
          return;
        }
        tracker.minTime = Math.min(tracker.minTime ?? t, t);
        const at = pendingKey(leftSide, t, keyBytes);
        await outer.put(at, shared.codec.append(await outer.get(at), pending));
      },
    };
  };
}
