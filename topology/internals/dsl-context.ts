import type {
  KeyValueStore,
  SessionStore,
  StateStore,
  StoreBuilder,
  WindowStore,
} from '../../state-stores/state-store.ts';
import type { DslKeyValueStoreParams, DslStoreSuppliers, DslStoreType } from '../dsl-store-suppliers.ts';
import { TopologyError } from '../../engine-common/errors.ts';
import type { Materialized } from '../options.ts';
import type { Serde } from '../../engine-common/serde.ts';
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

/** Asks the store suppliers of a Materialized (or the builder's) for a store, and checks its name. */
function dslStore<K, V, S extends StateStore>(
  ctx: DslContext,
  storeName: string,
  materialized: Materialized<K, V>,
  keySerde: Serde<K>,
  valueSerde: Serde<V>,
  make: (suppliers: DslStoreSuppliers, params: DslKeyValueStoreParams<K, V>) => StoreBuilder<S>,
): StoreBuilder<S> {
  const suppliers = materialized.dslStoreSuppliers ?? ctx.dslStoreSuppliers;
  if (!suppliers) {
    throw new TopologyError(
      `Store ${storeName}: no DslStoreSuppliers configured (pass StreamsBuilder({ dslStoreSuppliers }) or materialized.dslStoreSuppliers)`,
    );
  }
  const builder = make(suppliers, {
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

/** Makes the StoreBuilder of a DSL key-value store from its Materialized settings. */
export function keyValueStoreBuilder<K, V>(
  ctx: DslContext,
  storeName: string,
  materialized: Materialized<K, V>,
  keySerde: Serde<K>,
  valueSerde: Serde<V>,
): StoreBuilder<KeyValueStore<K, V>> {
  return dslStore(ctx, storeName, materialized, keySerde, valueSerde, (suppliers, params) =>
    suppliers.keyValueStore(params),
  );
}

/** Retention and segments of a window or session store. */
export interface SegmentedStoreSpec {
  readonly retentionMs: number;
  readonly segmentIntervalMs?: number;
}

/** Makes the StoreBuilder of a DSL window store (a time-windowed aggregation's). */
export function windowStoreBuilder<K, V>(
  ctx: DslContext,
  storeName: string,
  materialized: Materialized<K, unknown>,
  keySerde: Serde<K>,
  valueSerde: Serde<V>,
  spec: SegmentedStoreSpec,
): StoreBuilder<WindowStore<K, V>> {
  return dslStore(
    ctx,
    storeName,
    materialized as Materialized<K, V>,
    keySerde,
    valueSerde,
    (suppliers, params) => suppliers.windowStore({ ...params, ...spec }),
  );
}

/** Makes the StoreBuilder of a DSL session store (a session-windowed aggregation's). */
export function sessionStoreBuilder<K, V>(
  ctx: DslContext,
  storeName: string,
  materialized: Materialized<K, unknown>,
  keySerde: Serde<K>,
  valueSerde: Serde<V>,
  spec: SegmentedStoreSpec,
): StoreBuilder<SessionStore<K, V>> {
  return dslStore(
    ctx,
    storeName,
    materialized as Materialized<K, V>,
    keySerde,
    valueSerde,
    (suppliers, params) => suppliers.sessionStore({ ...params, ...spec }),
  );
}
