import type { KTableValueGetterSupplier } from './internals/ktable-value-getter.ts';
import type { Serde } from '../engine-common/serde.ts';

/**
 * A table replicated in full on every instance (all partitions of its topic): Kafka Streams'
 * `GlobalKTable`. Its store is readable from any processor; stream-globalTable joins (a later
 * addition) look keys up through `valueGetterSupplier`.
 */
export class GlobalKTable<K, V> {
  /** @internal */ readonly keySerde: Serde<K>;
  /** @internal */ readonly valueSerde: Serde<V>;
  /** @internal */ readonly valueGetterSupplier: KTableValueGetterSupplier<K, V>;
  private readonly storeName: string;

  /** @internal Use StreamsBuilder.globalTable(). */
  constructor(
    storeName: string,
    keySerde: Serde<K>,
    valueSerde: Serde<V>,
    valueGetterSupplier: KTableValueGetterSupplier<K, V>,
  ) {
    this.storeName = storeName;
    this.keySerde = keySerde;
    this.valueSerde = valueSerde;
    this.valueGetterSupplier = valueGetterSupplier;
  }

  queryableStoreName(): string {
    return this.storeName;
  }
}
