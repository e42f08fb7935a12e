/**
 * State stores: the contracts (`StateStore`, `KeyValueStore`, `WindowStore`, `StoreBuilder`), the
 * built-in RocksDB and in-memory key-value stores, and the `Stores` factory.
 */
export type {
  StateStore,
  StateStoreContext,
  ChangelogRecord,
  KeyValue,
  KeyValueStore,
  WindowStore,
  StoreBuilder,
} from './state-store.ts';
export {
  Stores,
  KeyValueStoreBuilder,
  WindowStoreBuilder,
  type KeyValueBytesStoreSupplier,
} from './stores.ts';
