import type { Windowed } from '../engine-common/windowed.ts';
import type { BytesStore } from './internals/bytes.ts';

/**
 * The contract between a state store and the task that owns it.
 *
 * Writes made while a transaction is open are buffered (read-your-own-writes). The runtime calls
 * `commit` only after the Kafka transaction that carried the matching changelog records committed,
 * and the store then applies the buffer and the changelog checkpoint in one atomic write; `abort`
 * drops the buffer. So local state is never ahead of Kafka (ARCHITECTURE.md, principle 4).
 */
export interface StateStore {
  readonly name: string;
  readonly persistent: boolean;
  init(context: StateStoreContext): Promise<void>;
  /** The next changelog offset to restore from, or null when the store has never been checkpointed. */
  checkpointedOffset(): bigint | null;
  /** Applies changelog records straight to the inner store (no buffering, no logging) and checkpoints. */
  restore(records: readonly ChangelogRecord[], nextOffset: bigint): Promise<void>;
  /**
   * Pushes writes held by a record cache down to the changelog and the write buffer. The owner
   * calls it before the task's transaction is sent, so the changelog records are in it.
   */
  flush(): Promise<void>;
  /**
   * A hint: these serialized keys are about to be read (the keys of the task's next records).
   * A store with a record cache loads them in one read; others ignore it.
   */
  prefetch?(keys: readonly Buffer[]): Promise<void>;
  /** Applies the write buffer atomically with the checkpoint `nextChangelogOffset` (null: no changelog). */
  commit(nextChangelogOffset: bigint | null): Promise<void>;
  /** Drops the write buffer of the open transaction. */
  abort(): Promise<void>;
  /**
   * Deletes every local entry and the checkpoint: the next restore replays the changelog from its
   * beginning. For local state that can no longer be trusted (it holds writes the broker aborted).
   */
  wipe(): Promise<void>;
  close(): Promise<void>;
  isOpen(): boolean;
  /** What the store did since it was opened (key-value stores count; the runtime exports it). */
  operationCounts?(): Readonly<StoreOperationCounts>;
}

/**
 * Operations of one store since it was opened: Kafka Streams' store-level metrics (get, put,
 * delete, range/all scans, commits, restored records), exported by the runtime as
 * `kafka_streams_store_operations_total`.
 */
export interface StoreOperationCounts {
  gets: number;
  puts: number;
  deletes: number;
  scans: number;
  commits: number;
  restoredRecords: number;
}

/** Supplied by the task when a store is initialised. */
export interface StateStoreContext {
  readonly applicationId: string;
  /** `<subtopology>_<partition>`. */
  readonly taskId: string;
  /** Directory owned by the task; persistent stores keep their files below it. */
  readonly stateDir: string;
  /** Record cache budget for stores built with caching enabled, in bytes (0: no cache). */
  readonly cacheMaxBytes?: number;
  /** Changelog topic and partition, or null when logging is disabled for this store. */
  readonly changelog: { readonly topic: string; readonly partition: number } | null;
  /** Collects a changelog record into the open transaction. */
  logChange(key: Buffer, value: Buffer | null, timestamp: number): void;
}

export interface ChangelogRecord {
  readonly key: Buffer;
  /** null is a tombstone: delete the key. */
  readonly value: Buffer | null;
  readonly offset: bigint;
}

export interface KeyValue<K, V> {
  readonly key: K;
  readonly value: V;
}

/**
 * A key-value store. Every method is async because the persistent implementation reads RocksDB;
 * writes land in the task's write buffer and are cheap. Iteration order is the byte order of the
 * serialized keys, as in Kafka Streams.
 */
export interface KeyValueStore<K, V> extends StateStore {
  get(key: K): Promise<V | undefined>;
  put(key: K, value: V): Promise<void>;
  /** Stores value only if key is absent; returns the existing value, or undefined when it stored. */
  putIfAbsent(key: K, value: V): Promise<V | undefined>;
  putAll(entries: readonly KeyValue<K, V>[]): Promise<void>;
  /** Deletes key; returns the old value. */
  delete(key: K): Promise<V | undefined>;
  /** Keys in [from, to], both inclusive. */
  range(from: K, to: K): Promise<KeyValue<K, V>[]>;
  prefixScan(prefix: Buffer): Promise<KeyValue<K, V>[]>;
  all(): Promise<KeyValue<K, V>[]>;
  approximateNumEntries(): Promise<number>;
}

/**
 * A store of values per key and window start, for windowed aggregations (Kafka Streams'
 * `WindowStore`). Window starts are non-negative ms. Laid out in time segments (see
 * `WindowedKeyCodec`), so one key's windows over a time range, all windows over a time range, and
 * expiry each read only the segments concerned, never the whole store.
 */
export interface WindowStore<K, V> extends StateStore {
  /** null deletes. A window that starts before the expiry bound is not stored (it expired). */
  put(key: K, value: V | null, windowStartMs: number): Promise<void>;
  fetch(key: K, windowStartMs: number): Promise<V | undefined>;
  /** Windows of `key` whose start is in [fromMs, toMs], in start order. */
  fetchRange(key: K, fromMs: number, toMs: number): Promise<{ windowStartMs: number; value: V }[]>;
  /**
   * All windows of all keys whose start is in [fromMs, toMs], by start segment, then key: the
   * emit-on-close path reads the windows that just closed with it.
   */
  fetchAll(fromMs: number, toMs: number): Promise<{ key: K; windowStartMs: number; value: V }[]>;
  /**
   * Retention: deletes every window that starts before `beforeMs` (whole segments, and the part of
   * the segment that holds `beforeMs`). The deletes are logged, so a restored store has them too.
   */
  expire(beforeMs: number): Promise<void>;
}

/**
 * A store of sessions (a key and a [start, end] time span) and their aggregates: Kafka Streams'
 * `SessionStore`. Segmented by session end; times are non-negative ms.
 */
export interface SessionStore<K, V> extends StateStore {
  /**
   * Sessions of `key` that end at or after `earliestSessionEndMs` and start at or before
   * `latestSessionStartMs`, by end (segment) then end time.
   */
  findSessions(
    key: K,
    earliestSessionEndMs: number,
    latestSessionStartMs: number,
  ): Promise<KeyValue<Windowed<K>, V>[]>;
  /**
   * Sessions of every key that end in [earliestSessionEndMs, latestSessionEndMs], by end, then
   * start, then key bytes (Kafka Streams' time-ordered session store order, in which emit-on-close
   * emits). Reads only the segments covering the range.
   */
  findSessionsEndingIn(
    earliestSessionEndMs: number,
    latestSessionEndMs: number,
  ): Promise<KeyValue<Windowed<K>, V>[]>;
  fetchSession(key: K, sessionStartMs: number, sessionEndMs: number): Promise<V | undefined>;
  /** A session that ends in an expired segment is not stored. */
  put(session: Windowed<K>, value: V): Promise<void>;
  remove(session: Windowed<K>): Promise<void>;
  /**
   * Retention: drops the segments whose sessions all end before `beforeEndMs` (whole segments only,
   * as Kafka Streams: a session may outlive the bound until its segment goes). Deletes are logged.
   */
  expire(beforeEndMs: number): Promise<void>;
}

/** Builds a store instance per task. `name` is also the changelog name. */
export interface StoreBuilder<S extends StateStore = StateStore> {
  readonly name: string;
  readonly loggingEnabled: boolean;
  /** Extra topic configs for the changelog (cleanup.policy=compact is always set for key-value stores). */
  readonly logConfig: Readonly<Record<string, string>>;
  build(): S;
}

/** Where a store keeps its bytes: Kafka Streams' `KeyValueBytesStoreSupplier`. */
export interface KeyValueBytesStoreSupplier {
  readonly name: string;
  readonly persistent: boolean;
  get(context: StateStoreContext): BytesStore;
}
