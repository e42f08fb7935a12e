import type { KeyValueStore } from '../../../state-stores/state-store.ts';
import type { Processor, ProcessorContext, ProcessorSupplier } from '../../processor.ts';
import type { StreamRecord } from '../../../engine-common/record.ts';
import type { Change } from '../change.ts';

/**
 * Kafka Streams' `KTableSource`: upserts each record into the table's store (a null value deletes
 * the key) and forwards the change. Records without a key are skipped: a table row needs one.
 * A global table's source has no children, so it forwards nothing.
 */
export function tableSourceProcessor<K, V>(storeName: string): ProcessorSupplier<K, V | null, K, Change<V>> {
  return (): Processor<K, V | null, K, Change<V>> => {
    let context: ProcessorContext<K, Change<V>>;
    let store: KeyValueStore<K, V>;
    return {
      init(ctx) {
        context = ctx;
        store = ctx.getStateStore<KeyValueStore<K, V>>(storeName);
      },
      async process(record: StreamRecord<K, V | null>) {
        if (record.key === null || record.key === undefined) return;
        const value = record.value ?? null;
        const old = (await store.get(record.key)) ?? null;
        if (value === null) await store.delete(record.key);
        else await store.put(record.key, value);
        context.forward(record.withValue<Change<V>>({ newValue: value, oldValue: old }));
      },
    };
  };
}

/**
 * Applies `transform` to the new and the old value (null stays null), writes the result into the
 * node's own store when it is materialized, and forwards unless both sides are null.
 */
function tableTransformProcessor<K, V, VR>(
  transform: (key: K, value: V) => VR | null,
  storeName: string | null,
): ProcessorSupplier<K, Change<V>, K, Change<VR>> {
  return (): Processor<K, Change<V>, K, Change<VR>> => {
    let context: ProcessorContext<K, Change<VR>>;
    let store: KeyValueStore<K, VR> | null = null;
    return {
      init(ctx) {
        context = ctx;
        if (storeName !== null) store = ctx.getStateStore<KeyValueStore<K, VR>>(storeName);
      },
      async process(record: StreamRecord<K, Change<V>>) {
        const apply = (v: V | null): VR | null => (v === null ? null : transform(record.key, v));
        const newValue = apply(record.value.newValue);
        const oldValue = apply(record.value.oldValue);
        if (newValue === null && oldValue === null) return;
        if (store !== null) {
          if (newValue === null) await store.delete(record.key);
          else await store.put(record.key, newValue);
        }
        context.forward(record.withValue<Change<VR>>({ newValue, oldValue }));
      },
    };
  };
}

export function tableFilterProcessor<K, V>(
  predicate: (key: K, value: V) => boolean,
  negate: boolean,
  storeName: string | null,
): ProcessorSupplier<K, Change<V>, K, Change<V>> {
  return tableTransformProcessor<K, V, V>(
    (key, value) => (predicate(key, value) !== negate ? value : null),
    storeName,
  );
}

export function tableMapValuesProcessor<K, V, VR>(
  mapper: (value: V, key: K) => VR,
  storeName: string | null,
): ProcessorSupplier<K, Change<V>, K, Change<VR>> {
  return tableTransformProcessor<K, V, VR>((key, value) => mapper(value, key), storeName);
}

/** `toStream()`: the new value of each change; a deletion becomes a record with a null value. */
export function tableToStreamProcessor<K, V>(): ProcessorSupplier<K, Change<V>, K, V | null> {
  return (): Processor<K, Change<V>, K, V | null> => {
    let context: ProcessorContext<K, V | null>;
    return {
      init(ctx) {
        context = ctx;
      },
      process(record) {
        context.forward(record.withValue(record.value.newValue));
      },
    };
  };
}
