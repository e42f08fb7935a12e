import type { KeyValueStore } from '../../../state-stores/state-store.ts';
import type { Processor, ProcessorContext, ProcessorSupplier } from '../../processor.ts';
import type { StreamRecord } from '../../record.ts';
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
 * time), shared by the two sides of a join of one task: they hold the same store instances.
 */
const observedTime = new WeakMap<object, number>();

/**
 * One side of Kafka Streams' `KStreamKStreamJoin`: a record is buffered in this side's store and
 * joined with the other side's buffered records of the same key within the time difference; a
 * result carries the later of the two timestamps. As Kafka Streams' window stores do, a buffer
 * retains a record while it is within before + after + grace of the highest timestamp buffered
 * there: an older record is not buffered, and other-side records beyond that are no longer seen.
 * A late record is still joined with what the other side retains (Kafka Streams drops nothing in
 * the join itself). Left join here emits (value, null) at once when nothing matches yet (Kafka
 * Streams before 3.1 did the same; it now waits for the window to close).
 */
export function streamJoinSideProcessor<K, VThis, VOther, VR>(options: {
  thisStore: string;
  otherStore: string;
  keySerde: Serde<K>;
  windows: JoinWindows;
  joiner: (mine: VThis, theirs: VOther | null, key: K) => VR | null;
  emitUnmatched: boolean;
}): ProcessorSupplier<K, VThis, K, VR> {
  const { windows } = options;
  const retention = windows.beforeMs + windows.afterMs + windows.graceMs;
  return (): Processor<K, VThis, K, VR> => {
    let context: ProcessorContext<K, VR>;
    let mine: KeyValueStore<Buffer, VThis>;
    let theirs: KeyValueStore<Buffer, VOther>;
    let lastPurge = -1;
    let sequence = 0n;
    return {
      init(ctx) {
        context = ctx;
        mine = ctx.getStateStore<KeyValueStore<Buffer, VThis>>(options.thisStore);
        theirs = ctx.getStateStore<KeyValueStore<Buffer, VOther>>(options.otherStore);
      },
      async process(record: StreamRecord<K, VThis>) {
        if (record.key === null || record.key === undefined || record.value === null) return;
        const t = record.timestamp;
        const mineObserved = Math.max(observedTime.get(mine) ?? t, t);
        observedTime.set(mine, mineObserved);
        const keyBytes = options.keySerde.serialize(options.thisStore, record.key);
        if (t > mineObserved - retention) {
          const offset = context.recordMetadata()?.offset ?? sequence++;
          await mine.put(bufferKey(keyBytes, t, offset), record.value);
        }
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
          context.forward(record.withValue(joined).withTimestamp(Math.max(t, timestampOf(key))));
        }
        if (!matched && options.emitUnmatched) {
          const joined = options.joiner(record.value, null, record.key);
          if (joined !== null) context.forward(record.withValue(joined));
        }
        // Purge this side's buffer once per retention length of its observed time.
        const step = Math.floor(mineObserved / Math.max(1, retention));
        if (step !== lastPurge) {
          lastPurge = step;
          for (const { key } of await mine.all()) {
            if (timestampOf(key) <= mineObserved - retention) await mine.delete(key);
          }
        }
      },
    };
  };
}
