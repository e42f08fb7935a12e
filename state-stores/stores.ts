import { join } from 'node:path';
import type { Serde } from '../topology/serde.ts';
import type { KeyValueStore, StateStoreContext, StoreBuilder, WindowStore } from './state-store.ts';
import { KeyValueBackedWindowStore } from './internals/window-store.ts';
import { Serdes } from '../topology/serde.ts';
import type { BytesStore } from './internals/bytes.ts';
import { InMemoryBytesStore } from './internals/in-memory-bytes-store.ts';
import { LayeredKeyValueStore } from './internals/key-value-layers.ts';
import { RocksDbBytesStore } from './internals/rocksdb-bytes-store.ts';

/** Where a store keeps its bytes: Kafka Streams' `KeyValueBytesStoreSupplier`. */
export interface KeyValueBytesStoreSupplier {
  readonly name: string;
  readonly persistent: boolean;
  get(context: StateStoreContext): BytesStore;
}

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

/** A StoreBuilder for window stores; the changelog is compacted and time-bounded (`compact,delete`). */
export class WindowStoreBuilder<K, V> implements StoreBuilder<WindowStore<K, V>> {
  readonly name: string;
  private readonly inner: KeyValueStoreBuilder<Buffer, V>;
  private readonly keySerde: Serde<K>;
  private readonly retentionMs: number;

  constructor(
    supplier: KeyValueBytesStoreSupplier,
    keySerde: Serde<K>,
    valueSerde: Serde<V>,
    retentionMs: number,
  ) {
    this.name = supplier.name;
    this.inner = new KeyValueStoreBuilder(supplier, Serdes.Buffer(), valueSerde);
    this.keySerde = keySerde;
    this.retentionMs = retentionMs;
  }

  get loggingEnabled(): boolean {
    return this.inner.loggingEnabled;
  }

  get logConfig(): Readonly<Record<string, string>> {
    return {
      ...this.inner.logConfig,
      'cleanup.policy': 'compact,delete',
      'retention.ms': String(this.retentionMs),
    };
  }

  withLoggingEnabled(config: Readonly<Record<string, string>> = {}): this {
    this.inner.withLoggingEnabled(config);
    return this;
  }

  withLoggingDisabled(): this {
    this.inner.withLoggingDisabled();
    return this;
  }

  withCachingEnabled(): this {
    this.inner.withCachingEnabled();
    return this;
  }

  withCachingDisabled(): this {
    this.inner.withCachingDisabled();
    return this;
  }

  build(): WindowStore<K, V> {
    return new KeyValueBackedWindowStore(this.inner.build(), this.keySerde);
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
  /** Window stores keep windows for `retentionMs` (at least window size + grace). */
  persistentWindowStore(name: string): KeyValueBytesStoreSupplier {
    return Stores.persistentKeyValueStore(name);
  },
  inMemoryWindowStore(name: string): KeyValueBytesStoreSupplier {
    return Stores.inMemoryKeyValueStore(name);
  },
  windowStoreBuilder<K, V>(
    supplier: KeyValueBytesStoreSupplier,
    keySerde: Serde<K>,
    valueSerde: Serde<V>,
    retentionMs: number,
  ): WindowStoreBuilder<K, V> {
    return new WindowStoreBuilder(supplier, keySerde, valueSerde, retentionMs);
  },
  keyValueStoreBuilder<K, V>(
    supplier: KeyValueBytesStoreSupplier,
    keySerde: Serde<K>,
    valueSerde: Serde<V>,
  ): KeyValueStoreBuilder<K, V> {
    return new KeyValueStoreBuilder(supplier, keySerde, valueSerde);
  },
};
