import { TIME_BYTES, writeTime } from '../../../state-stores/index.ts';
import type { WindowStore } from '../../../state-stores/state-store.ts';
import type { Processor, ProcessorContext, ProcessorSupplier } from '../../processor.ts';
import type { StreamRecord } from '../../../engine-common/record.ts';
import type { Serde } from '../../../engine-common/serde.ts';
import type { EmitStrategyValue, TimeWindows, Windowed } from '../../windows.ts';
import type { Change } from '../change.ts';
import type { ValueAndTimestamp } from '../timestamped.ts';

interface ClosedWindow<K, VA> {
  readonly key: K;
  readonly windowStartMs: number;
  readonly value: ValueAndTimestamp<VA>;
}

/**
 * Kafka Streams' `KStreamWindowAggregate`: folds each record into every window containing its
 * timestamp. A record whose windows all closed (window end + grace ≤ stream time) is dropped as
 * late. Each window's aggregate is stored with the latest timestamp of its records, which its
 * results carry (Kafka Streams' timestamped window store). With emit-on-close, results are held
 * until stream time passes window end + grace, then emitted once. Closed windows are then expired
 * from the window store (retention = size + grace).
 *
 * The store is segmented by window start, one segment per advance: when stream time moves on, the
 * windows that close are the segments that expire, so a step reads (emit-on-close) and deletes
 * only those, whatever the number of live windows.
 */
export function windowAggregateProcessor<K, V, VA>(options: {
  storeName: string;
  keySerde: Serde<K>;
  windows: TimeWindows;
  emit: EmitStrategyValue;
  initializer: () => VA;
  aggregator: (key: K, value: V, aggregate: VA) => VA;
  onLate?: () => void;
}): ProcessorSupplier<K, V, Windowed<K>, Change<VA>> {
  const { windows } = options;
  return (): Processor<K, V, Windowed<K>, Change<VA>> => {
    let context: ProcessorContext<Windowed<K>, Change<VA>>;
    let store: WindowStore<K, ValueAndTimestamp<VA>>;
    let lastSwept = -1;
    const closed = (end: number, streamTime: number) => end + windows.graceMs <= streamTime;

    /**
     * Closed windows in the order the aggregation emitted them when its state was a key-value
     * store keyed `<key bytes><start:8>`: byte order of that key, so the output stays the same.
     */
    function inEmitOrder(closing: readonly ClosedWindow<K, VA>[]): ClosedWindow<K, VA>[] {
      const sortKeys = closing.map((window) => {
        const key = options.keySerde.serialize(options.storeName, window.key);
        const out = Buffer.allocUnsafe(key.length + TIME_BYTES);
        key.copy(out, 0);
        writeTime(out, window.windowStartMs, key.length);
        return { window, sortKey: out };
      });
      sortKeys.sort((a, b) => Buffer.compare(a.sortKey, b.sortKey));
      return sortKeys.map((entry) => entry.window);
    }

    async function sweep(streamTime: number, record: StreamRecord<K, V>): Promise<void> {
      // A window [start, start + size) closes when stream time − grace reaches its end, and starts
      // are multiples of the advance: sweep once per step of (stream time − grace − size) / advance.
      const step = Math.floor((streamTime - windows.graceMs - windows.sizeMs) / windows.advanceMs);
      if (step === lastSwept) return;
      lastSwept = step;
      const lastClosedStart = streamTime - windows.graceMs - windows.sizeMs;
      if (options.emit === 'close') {
        // Everything that closed before is already expired: the store reads from its expiry bound.
        for (const { key, windowStartMs, value } of inEmitOrder(await store.fetchAll(0, lastClosedStart))) {
          context.forward(
            record
              .withKey<Windowed<K>>({
                key,
                window: { start: windowStartMs, end: windowStartMs + windows.sizeMs },
              })
              .withValue<Change<VA>>({ newValue: value.value, oldValue: null })
              .withTimestamp(value.timestamp),
          );
        }
      }
      await store.expire(lastClosedStart + 1);
    }

    return {
      init(ctx) {
        context = ctx;
        store = ctx.getStateStore<WindowStore<K, ValueAndTimestamp<VA>>>(options.storeName);
      },
      async process(record: StreamRecord<K, V>) {
        // As Kafka Streams: only a null key is skipped; a null value is aggregated (count counts it).
        if (record.key === null || record.key === undefined) return;
        const streamTime = context.currentStreamTimeMs();
        let applied = false;
        for (const window of windows.windowsFor(record.timestamp)) {
          if (closed(window.end, streamTime)) continue;
          applied = true;
          const key: Windowed<K> = { key: record.key, window };
          const stored = (await store.fetch(record.key, window.start)) ?? null;
          const old = stored === null ? null : stored.value;
          const next = options.aggregator(record.key, record.value, old ?? options.initializer());
          const timestamp = Math.max(stored?.timestamp ?? record.timestamp, record.timestamp);
          await store.put(record.key, { value: next, timestamp }, window.start);
          if (options.emit === 'update') {
            context.forward(
              record
                .withKey(key)
                .withValue<Change<VA>>({ newValue: next, oldValue: old })
                .withTimestamp(timestamp),
            );
          }
        }
        if (!applied) options.onLate?.();
        await sweep(streamTime, record);
      },
    };
  };
}
