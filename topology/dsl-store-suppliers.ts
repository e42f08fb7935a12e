import type { KeyValueStore, StoreBuilder } from '../state-stores/state-store.ts';
import type { Serde } from './serde.ts';

/** Which built-in store the DSL uses when a `Materialized` does not say: Kafka Streams' `default.dsl.store`. */
export type DslStoreType = 'rocksDB' | 'in_memory';

export interface DslKeyValueStoreParams<K, V> {
  readonly name: string;
  readonly keySerde: Serde<K>;
  readonly valueSerde: Serde<V>;
  readonly storeType: DslStoreType;
  readonly loggingEnabled: boolean;
  readonly logConfig: Readonly<Record<string, string>>;
  readonly cachingEnabled: boolean;
}

/**
 * Makes the stores behind DSL operators (aggregations, materialized tables): Kafka Streams'
 * `DslStoreSuppliers` (`dsl.store.suppliers.class`). Window and session stores are added here by the
 * windowing operators.
 */
export interface DslStoreSuppliers {
  keyValueStore<K, V>(params: DslKeyValueStoreParams<K, V>): StoreBuilder<KeyValueStore<K, V>>;
}
