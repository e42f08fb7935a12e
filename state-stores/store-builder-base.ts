import type { Serde } from '../engine-common/serde.ts';
import type { KeyValueBytesStoreSupplier, StateStore, StoreBuilder } from './state-store.ts';

/**
 * What every StoreBuilder shares (Kafka Streams' `AbstractStoreBuilder`): the supplier and serdes,
 * and the fluent logging and caching switches. Subclasses say how the changelog is configured
 * (`logConfig`) and what they build.
 */
export abstract class BaseStoreBuilder<K, V, S extends StateStore> implements StoreBuilder<S> {
  readonly name: string;
  protected readonly supplier: KeyValueBytesStoreSupplier;
  protected readonly keySerde: Serde<K>;
  protected readonly valueSerde: Serde<V>;
  protected logging = true;
  protected caching = false;
  /** Topic configs given to `withLoggingEnabled`, under the subclass's own. */
  protected extraLogConfig: Readonly<Record<string, string>> = {};

  constructor(supplier: KeyValueBytesStoreSupplier, keySerde: Serde<K>, valueSerde: Serde<V>) {
    this.supplier = supplier;
    this.name = supplier.name;
    this.keySerde = keySerde;
    this.valueSerde = valueSerde;
  }

  get loggingEnabled(): boolean {
    return this.logging;
  }

  abstract get logConfig(): Readonly<Record<string, string>>;

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

  abstract build(): S;
}
