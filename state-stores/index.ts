/**
 * State stores: the contracts (`StateStore`, `KeyValueStore`, `WindowStore`, `SessionStore`,
 * `StoreBuilder`), the built-in RocksDB and in-memory stores, the `Stores` factory, and the one
 * windowed key layout (`WindowedKeyCodec`) those and the stream-stream join buffers share.
 */
export type {
  StateStore,
  StateStoreContext,
  ChangelogRecord,
  KeyValue,
  KeyValueStore,
  WindowStore,
  SessionStore,
  StoreBuilder,
  KeyValueBytesStoreSupplier,
  StoreOperationCounts,
} from './state-store.ts';
export {
  Stores,
  KeyValueStoreBuilder,
  WindowStoreBuilder,
  SessionStoreBuilder,
  type SegmentedStoreOptions,
} from './stores.ts';
export {
  WindowedKeyCodec,
  clampTime,
  readTime,
  writeTime,
  TIME_BYTES,
  type DecodedWindowedKey,
  type WindowedKeyCodecOptions,
} from './internals/windowed-key-codec.ts';
