import type { KeyValueStore } from '../../../state-stores/state-store.ts';
import type { Processor, ProcessorContext, ProcessorSupplier } from '../../processor.ts';
import type { StreamRecord } from '../../record.ts';
import type { EmitStrategyValue, TimeWindows, Windowed } from '../../windows.ts';
import type { Change } from '../change.ts';
import type { ValueAndTimestamp } from '../timestamped.ts';

/**
 * Kafka Streams' `KStreamWindowAggregate`: folds each record into every window containing its
 * timestamp. A record whose windows all closed (window end + grace ≤ stream time) is dropped as
 * late. Each window's aggregate is stored with the latest timestamp of its records, which its
 * results carry (Kafka Streams' timestamped window store). With emit-on-close, results are held
 * until stream time passes window end + grace, then emitted once; closed windows are then removed
 * from the store (retention = size + grace).
 */
export function windowAggregateProcessor<K, V, VA>(options: {
  storeName: string;
  windows: TimeWindows;
  emit: EmitStrategyValue;
  initializer: () => VA;
  aggregator: (key: K, value: V, aggregate: VA) => VA;
  onLate?: () => void;
}): ProcessorSupplier<K, V, Windowed<K>, Change<VA>> {
  const { windows } = options;
  return (): Processor<K, V, Windowed<K>, Change<VA>> => {
    let context: ProcessorContext<Windowed<K>, Change<VA>>;
    let store: KeyValueStore<Windowed<K>, ValueAndTimestamp<VA>>;
    let lastSwept = -1;
    const closed = (end: number, streamTime: number) => end + windows.graceMs <= streamTime;

    async function sweep(streamTime: number, record: StreamRecord<K, V>): Promise<void> {
      // A window [start, start + size) closes when stream time − grace reaches its end, and starts
      // are multiples of the advance: sweep once per step of (stream time − grace − size) / advance.
      const step = Math.floor((streamTime - windows.graceMs - windows.sizeMs) / windows.advanceMs);
      if (step === lastSwept) return;
      lastSwept = step;
      for (const { key, value } of await store.all()) {
        if (!closed(key.window.end, streamTime)) continue;
        if (options.emit === 'close') {
          context.forward(
            record
              .withKey(key)
              .withValue<Change<VA>>({ newValue: value.value, oldValue: null })
              .withTimestamp(value.timestamp),
          );
        }
        await store.delete(key);
      }
    }

    return {
      init(ctx) {
        context = ctx;
        store = ctx.getStateStore<KeyValueStore<Windowed<K>, ValueAndTimestamp<VA>>>(options.storeName);
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
          const stored = (await store.get(key)) ?? null;
          const old = stored === null ? null : stored.value;
          const next = options.aggregator(record.key, record.value, old ?? options.initializer());
          const timestamp = Math.max(stored?.timestamp ?? record.timestamp, record.timestamp);
          await store.put(key, { value: next, timestamp });
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
