import { Stores } from '../../state-stores/index.ts';
import type { DslKeyValueStoreParams, DslStoreSuppliers } from '../dsl-store-suppliers.ts';

/** The switches every built-in builder has. */
interface Switchable<B> {
  withCachingEnabled(): B;
  withLoggingEnabled(config: Readonly<Record<string, string>>): B;
  withLoggingDisabled(): B;
}

function configured<B extends Switchable<B>>(
  builder: B,
  params: DslKeyValueStoreParams<unknown, unknown>,
): B {
  if (params.cachingEnabled) builder.withCachingEnabled();
  return params.loggingEnabled ? builder.withLoggingEnabled(params.logConfig) : builder.withLoggingDisabled();
}

/** The built-in store suppliers: RocksDB by default, in-memory when asked (`storeType: 'in_memory'`). */
export function defaultDslStoreSuppliers(): DslStoreSuppliers | null {
  return {
    keyValueStore(params) {
      const supplier =
        params.storeType === 'in_memory'
          ? Stores.inMemoryKeyValueStore(params.name)
          : Stores.persistentKeyValueStore(params.name);
      return configured(Stores.keyValueStoreBuilder(supplier, params.keySerde, params.valueSerde), params);
    },
    windowStore(params) {
      const supplier =
        params.storeType === 'in_memory'
          ? Stores.inMemoryWindowStore(params.name)
          : Stores.persistentWindowStore(params.name);
      return configured(
        Stores.windowStoreBuilder(supplier, params.keySerde, params.valueSerde, params.retentionMs, {
          segmentIntervalMs: params.segmentIntervalMs,
        }),
        params,
      );
    },
    sessionStore(params) {
      const supplier =
        params.storeType === 'in_memory'
          ? Stores.inMemorySessionStore(params.name)
          : Stores.persistentSessionStore(params.name);
      return configured(
        Stores.sessionStoreBuilder(supplier, params.keySerde, params.valueSerde, params.retentionMs, {
          segmentIntervalMs: params.segmentIntervalMs,
        }),
        params,
      );
    },
  };
}
