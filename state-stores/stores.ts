import { join } from 'node:path';
import type { Serde } from '../engine-common/serde.ts';
import type { KeyValueBytesStoreSupplier, KeyValueStore } from './state-store.ts';
import { BaseStoreBuilder } from './store-builder-base.ts';
import {
  SessionStoreBuilder,
  WindowStoreBuilder,
  type SegmentedStoreOptions,
} from './windowed-store-builders.ts';
import { InMemoryBytesStore } from './internals/in-memory-bytes-store.ts';
import { LayeredKeyValueStore } from './internals/key-value-layers.ts';
import { RocksDbBytesStore } from './internals/rocksdb-bytes-store.ts';

/** A StoreBuilder for key-value stores: compacted changelog. */
export class KeyValueStoreBuilder<K, V> extends BaseStoreBuilder<K, V, KeyValueStore<K, V>> {
  get logConfig(): Readonly<Record<string, string>> {
    return { ...this.extraLogConfig, 'cleanup.policy': 'compact' };
  }

  build(): KeyValueStore<K, V> {
    return new LayeredKeyValueStore({
      name: this.name,
      persistent: this.supplier.persistent,
      keySerde: this.keySerde,
      valueSerde: this.valueSerde,
      loggingEnabled: this.logging,
      cachingEnabled: this.caching,
      inner: (context) => this.supplier.get(context),
    });
  }
}

/** Factory of the built-in stores: Kafka Streams' `Stores`. */
export const Stores = {
  /** RocksDB under `<task state dir>/rocksdb/<name>`: survives restarts, restores only the changelog tail. */
  persistentKeyValueStore(name: string): KeyValueBytesStoreSupplier {
    return {
      name,
      persistent: true,
      get: (context) => new RocksDbBytesStore(join(context.stateDir, 'rocksdb', name)),
    };
  },
  /** In memory: restored from the whole changelog on every start. */
  inMemoryKeyValueStore(name: string): KeyValueBytesStoreSupplier {
    return { name, persistent: false, get: () => new InMemoryBytesStore() };
  },
  /** Window and session stores keep their data for `retentionMs` (at least window size + grace). */
  persistentWindowStore(name: string): KeyValueBytesStoreSupplier {
    return Stores.persistentKeyValueStore(name);
  },
  inMemoryWindowStore(name: string): KeyValueBytesStoreSupplier {
    return Stores.inMemoryKeyValueStore(name);
  },
  persistentSessionStore(name: string): KeyValueBytesStoreSupplier {
    return Stores.persistentKeyValueStore(name);
  },
  inMemorySessionStore(name: string): KeyValueBytesStoreSupplier {
    return Stores.inMemoryKeyValueStore(name);
  },
  windowStoreBuilder<K, V>(
    supplier: KeyValueBytesStoreSupplier,
    keySerde: Serde<K>,
    valueSerde: Serde<V>,
    retentionMs: number,
    options: SegmentedStoreOptions = {},
  ): WindowStoreBuilder<K, V> {
    return new WindowStoreBuilder(supplier, keySerde, valueSerde, retentionMs, options);
  },
  sessionStoreBuilder<K, V>(
    supplier: KeyValueBytesStoreSupplier,
    keySerde: Serde<K>,
    valueSerde: Serde<V>,
    retentionMs: number,
    options: SegmentedStoreOptions = {},
  ): SessionStoreBuilder<K, V> {
    return new SessionStoreBuilder(supplier, keySerde, valueSerde, retentionMs, options);
  },
  keyValueStoreBuilder<K, V>(
    supplier: KeyValueBytesStoreSupplier,
    keySerde: Serde<K>,
    valueSerde: Serde<V>,
  ): KeyValueStoreBuilder<K, V> {
    return new KeyValueStoreBuilder(supplier, keySerde, valueSerde);
  },
};

export { SessionStoreBuilder, WindowStoreBuilder, type SegmentedStoreOptions };
