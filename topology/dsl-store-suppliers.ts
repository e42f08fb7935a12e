import type { KeyValueStore, SessionStore, StoreBuilder, WindowStore } from '../state-stores/state-store.ts';
import type { Serde } from '../engine-common/serde.ts';

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

/** A window or session store: what a key-value store needs, plus how long and in what segments it keeps data. */
export interface DslSegmentedStoreParams<K, V> extends DslKeyValueStoreParams<K, V> {
  /** How long the store keeps a window (size + grace) or a session (gap + grace) after stream time passes it. */
  readonly retentionMs: number;
  /** Segment length (see `WindowedKeyCodec`); the windowed aggregation passes its advance. */
  readonly segmentIntervalMs?: number;
}

/**
 * Makes the stores behind DSL operators (aggregations, materialized tables, windowed aggregations):
 * Kafka Streams' `DslStoreSuppliers` (`dsl.store.suppliers.class`).
 */
export interface DslStoreSuppliers {
  keyValueStore<K, V>(params: DslKeyValueStoreParams<K, V>): StoreBuilder<KeyValueStore<K, V>>;
  windowStore<K, V>(params: DslSegmentedStoreParams<K, V>): StoreBuilder<WindowStore<K, V>>;
  sessionStore<K, V>(params: DslSegmentedStoreParams<K, V>): StoreBuilder<SessionStore<K, V>>;
}
