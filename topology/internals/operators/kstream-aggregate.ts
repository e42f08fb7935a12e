import type { KeyValueStore } from '../../../state-stores/state-store.ts';
import type { Processor, ProcessorContext, ProcessorSupplier } from '../../processor.ts';
import type { StreamRecord } from '../../../engine-common/record.ts';
import type { Change } from '../change.ts';

/**
 * Kafka Streams' `KStreamAggregate`/`KStreamReduce`: reads the current aggregate of the key, folds
 * the record in, writes it back and forwards the change. Records with a null key or value are
 * skipped, as in Kafka Streams (they cannot be grouped).
 */
function aggregating<K, V, VA>(
  storeName: string,
  fold: (key: K, value: V, current: VA | null) => VA,
): ProcessorSupplier<K, V, K, Change<VA>> {
  return (): Processor<K, V, K, Change<VA>> => {
    let context: ProcessorContext<K, Change<VA>>;
    let store: KeyValueStore<K, VA>;
    return {
      init(ctx) {
        context = ctx;
        store = ctx.getStateStore<KeyValueStore<K, VA>>(storeName);
      },
      async process(record: StreamRecord<K, V>) {
        if (
          record.key === null ||
          record.key === undefined ||
          record.value === null ||
          record.value === undefined
        )
          return;
        const old = (await store.get(record.key)) ?? null;
        const next = fold(record.key, record.value, old);
        await store.put(record.key, next);
        context.forward(record.withValue<Change<VA>>({ newValue: next, oldValue: old }));
      },
    };
  };
}

export function aggregateProcessor<K, V, VA>(
  storeName: string,
  initializer: () => VA,
  aggregator: (key: K, value: V, aggregate: VA) => VA,
): ProcessorSupplier<K, V, K, Change<VA>> {
  return aggregating<K, V, VA>(storeName, (key, value, current) =>
    aggregator(key, value, current ?? initializer()),
  );
}

export function reduceProcessor<K, V>(
  storeName: string,
  reducer: (aggregate: V, value: V) => V,
): ProcessorSupplier<K, V, K, Change<V>> {
  return aggregating<K, V, V>(storeName, (_key, value, current) =>
    current === null ? value : reducer(current, value),
  );
}
