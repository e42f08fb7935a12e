import type { KeyValueStore } from '../../state-stores/state-store.ts';
import type { ProcessorContext } from '../processor.ts';

/**
 * Looks up the current value of a KTable by key from inside another processor: Kafka Streams'
 * `KTableValueGetter`. Stream-table and table-table joins use it; the joining processor must be
 * connected to `storeNames` (StreamsBuilder does this when it adds the join node).
 */
export interface KTableValueGetter<K, V> {
  init(context: ProcessorContext<unknown, unknown>): void;
  get(key: K): Promise<V | null>;
}

export interface KTableValueGetterSupplier<K, V> {
  /** Stores the getter reads; connect them to the processor that uses the getter. */
  readonly storeNames: readonly string[];
  get(): KTableValueGetter<K, V>;
}

/** Reads a materialized table's store. */
export function storeValueGetter<K, V>(storeName: string): KTableValueGetterSupplier<K, V> {
  return {
    storeNames: [storeName],
    get() {
      let store: KeyValueStore<K, V>;
      return {
        init(context) {
          store = context.getStateStore<KeyValueStore<K, V>>(storeName);
        },
        async get(key) {
          return (await store.get(key)) ?? null;
        },
      };
    },
  };
}

/** A non-materialized filter/mapValues: asks the parent and applies the same function. */
export function derivedValueGetter<K, V, VR>(
  parent: KTableValueGetterSupplier<K, V>,
  transform: (key: K, value: V) => VR | null,
): KTableValueGetterSupplier<K, VR> {
  return {
    storeNames: parent.storeNames,
    get() {
      const inner = parent.get();
      return {
        init(context) {
          inner.init(context);
        },
        async get(key) {
          const value = await inner.get(key);
          return value === null ? null : transform(key, value);
        },
      };
    },
  };
}
