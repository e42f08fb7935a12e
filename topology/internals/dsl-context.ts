import type { KeyValueStore, StoreBuilder } from '../../state-stores/state-store.ts';
import type { DslStoreSuppliers, DslStoreType } from '../dsl-store-suppliers.ts';
import { TopologyError } from '../errors.ts';
import type { Materialized } from '../options.ts';
import type { Serde } from '../serde.ts';
import type { GraphBuilder } from './graph-builder.ts';

/** What every DSL object of one StreamsBuilder shares. */
export interface DslContext {
  readonly graph: GraphBuilder;
  readonly dslStoreSuppliers: DslStoreSuppliers | null;
  readonly defaultDslStore: DslStoreType;
}

/** Serde for an operator, or a TopologyError naming what to pass: Kafka users know this failure as a ClassCastException at run time; we fail while building instead. */
export function requireSerde<T>(serde: Serde<T> | undefined, what: string): Serde<T> {
  if (!serde) throw new TopologyError(`${what}: no serde is known here; pass one explicitly`);
  return serde;
}

/** Makes the StoreBuilder of a DSL key-value store from its Materialized settings. */
export function keyValueStoreBuilder<K, V>(
  ctx: DslContext,
  storeName: string,
  materialized: Materialized<K, V>,
  keySerde: Serde<K>,
  valueSerde: Serde<V>,
): StoreBuilder<KeyValueStore<K, V>> {
  const suppliers = materialized.dslStoreSuppliers ?? ctx.dslStoreSuppliers;
  if (!suppliers) {
    throw new TopologyError(
      `Store ${storeName}: no DslStoreSuppliers configured (pass StreamsBuilder({ dslStoreSuppliers }) or materialized.dslStoreSuppliers)`,
    );
  }
  const builder = suppliers.keyValueStore({
    name: storeName,
    keySerde,
    valueSerde,
    storeType: materialized.storeType ?? ctx.defaultDslStore,
    loggingEnabled: materialized.loggingEnabled ?? true,
    logConfig: materialized.logConfig ?? {},
    cachingEnabled: materialized.cachingEnabled ?? false,
  });
  if (builder.name !== storeName) {
    throw new TopologyError(`DslStoreSuppliers returned store ${builder.name} when asked for ${storeName}`);
  }
  return builder;
}
