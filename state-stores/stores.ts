import { join } from 'node:path';
import type { Serde } from '../engine-common/serde.ts';
import type { KeyValueBytesStoreSupplier, KeyValueStore, StoreBuilder } from './state-store.ts';
import {
  SessionStoreBuilder,
  WindowStoreBuilder,
  type SegmentedStoreOptions,
} from './windowed-store-builders.ts';
import { InMemoryBytesStore } from './internals/in-memory-bytes-store.ts';
import { LayeredKeyValueStore } from './internals/key-value-layers.ts';
import { RocksDbBytesStore } from './internals/rocksdb-bytes-store.ts';

/** A StoreBuilder for key-value stores, with Kafka Streams' fluent logging switches. */
export class KeyValueStoreBuilder<K, V> implements StoreBuilder<KeyValueStore<K, V>> {
  readonly name: string;
  private readonly supplier: KeyValueBytesStoreSupplier;
  private readonly keySerde: Serde<K>;
  private readonly valueSerde: Serde<V>;
  private logging = true;
  private caching = false;
  private extraLogConfig: Readonly<Record<string, string>> = {};

  constructor(supplier: KeyValueBytesStoreSupplier, keySerde: Serde<K>, valueSerde: Serde<V>) {
    this.supplier = supplier;
    this.name = supplier.name;
    this.keySerde = keySerde;
    this.valueSerde = valueSerde;
  }

  get loggingEnabled(): boolean {
    return this.logging;
  }

  get logConfig(): Readonly<Record<string, string>> {
    return { ...this.extraLogConfig, 'cleanup.policy': 'compact' };
  }

  withLoggingEnabled(config: Readonly<Record<string, string>> = {}): this {
    this.logging = true;
    this.extraLogConfig = config;
    return this;
  }

  withLoggingDisabled(): this {
    this.logging = false;
    return this;
  }

  get cachingEnabled(): boolean {
    return this.caching;
  }

  /**
   * A record cache in front of the store (Kafka Streams' caching layer): the latest value per key
   * until the task commits, so repeated updates of a key reach the changelog and RocksDB once per
   * commit, and hot keys are read from memory. Sized by the runtime's `storeCacheMaxBytes`.
   */
  withCachingEnabled(): this {
    this.caching = true;
    return this;
  }

  withCachingDisabled(): this {
    this.caching = false;
    return this;
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
