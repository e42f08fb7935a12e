import { Stores } from '../../state-stores/index.ts';
import type { DslStoreSuppliers } from '../dsl-store-suppliers.ts';

/** The built-in store suppliers: RocksDB by default, in-memory when asked (`storeType: 'in_memory'`). */
export function defaultDslStoreSuppliers(): DslStoreSuppliers | null {
  return {
    keyValueStore(params) {
      const supplier =
        params.storeType === 'in_memory'
          ? Stores.inMemoryKeyValueStore(params.name)
          : Stores.persistentKeyValueStore(params.name);
      const builder = Stores.keyValueStoreBuilder(supplier, params.keySerde, params.valueSerde);
      if (params.cachingEnabled) builder.withCachingEnabled();
      return params.loggingEnabled
        ? builder.withLoggingEnabled(params.logConfig)
        : builder.withLoggingDisabled();
    },
  };
}
