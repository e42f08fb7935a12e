import { StateStoreError } from '../../topology/errors.ts';
import type { Serde } from '../../topology/serde.ts';
import type { ChangelogRecord, KeyValue, KeyValueStore, StateStoreContext } from '../state-store.ts';
import { prefixEnd, type BytesStore } from './bytes.ts';
import type { KeyValueBytesLayer } from './bytes-layer.ts';
import { CachingLayer } from './caching-layer.ts';
import { ChangeLoggingLayer } from './change-logging-layer.ts';
import { TransactionalBytesStore } from './transactional-bytes-store.ts';

/** Cache budget when the owner does not say (the runtime passes its `storeCacheMaxBytes`). */
const DEFAULT_CACHE_MAX_BYTES = 1_048_576;

/** Operation counts and time spent, per store: what the metered layer records. */
export interface StoreMetrics {
  gets: number;
  puts: number;
  deletes: number;
  scans: number;
  commits: number;
  restoredRecords: number;
}

export interface KeyValueStoreOptions<K, V> {
  readonly name: string;
  readonly persistent: boolean;
  readonly keySerde: Serde<K>;
  readonly valueSerde: Serde<V>;
  readonly loggingEnabled: boolean;
  /** A record cache (Kafka Streams' caching layer), sized by the context's `cacheMaxBytes`. */
  readonly cachingEnabled: boolean;
  /** Makes the inner bytes store once the task's directory is known. */
  readonly inner: (context: StateStoreContext) => BytesStore;
}

/**
 * A typed key-value store built from layers, each with one job, outermost first (Kafka Streams'
 * order): this metered layer (serde + counts) → record cache (optional: the latest value per key
 * until commit) → change-logging (every write that reaches it also goes to the changelog) →
 * transactional write buffer → inner bytes store (RocksDB or memory).
 */
export class LayeredKeyValueStore<K, V> implements KeyValueStore<K, V> {
  readonly name: string;
  readonly persistent: boolean;
  readonly metrics: StoreMetrics = { gets: 0, puts: 0, deletes: 0, scans: 0, commits: 0, restoredRecords: 0 };
  private readonly options: KeyValueStoreOptions<K, V>;
  private store: TransactionalBytesStore | null = null;
  /** The top of the byte layers: what reads and writes go through. */
  private top: KeyValueBytesLayer | null = null;
  private cache: CachingLayer | null = null;

  constructor(options: KeyValueStoreOptions<K, V>) {
    this.options = options;
    this.name = options.name;
    this.persistent = options.persistent;
  }

  async init(context: StateStoreContext): Promise<void> {
    const inner = this.options.inner(context);
    await inner.open();
    this.store = new TransactionalBytesStore(inner);
    let top: KeyValueBytesLayer = this.store;
    if (this.options.loggingEnabled && context.changelog !== null)
      top = new ChangeLoggingLayer(top, (key, value, timestamp) => context.logChange(key, value, timestamp));
    const cacheBytes = context.cacheMaxBytes ?? DEFAULT_CACHE_MAX_BYTES;
    this.cache = this.options.cachingEnabled && cacheBytes > 0 ? new CachingLayer(top, cacheBytes) : null;
    this.top = this.cache ?? top;
  }

  /** Record cache counters, or null when caching is off. */
  cacheStats(): CachingLayer['stats'] | null {
    return this.cache?.stats ?? null;
  }

  isOpen(): boolean {
    return this.store !== null;
  }

  checkpointedOffset(): bigint | null {
    return this.tx().inner.checkpoint();
  }

  async restore(records: readonly ChangelogRecord[], nextOffset: bigint): Promise<void> {
    // Restoration writes below every layer: nothing cached above may shadow it.
    this.layers().abort();
    await this.tx().inner.write(records, nextOffset);
    this.metrics.restoredRecords += records.length;
  }

  async prefetch(keys: readonly Buffer[]): Promise<void> {
    await this.cache?.prefetch(keys);
  }

  async flush(): Promise<void> {
    this.layers().flush();
  }

  async commit(nextChangelogOffset: bigint | null): Promise<void> {
    await this.layers().commit(nextChangelogOffset);
    this.metrics.commits++;
  }

  async abort(): Promise<void> {
    this.layers().abort();
  }

  async wipe(): Promise<void> {
    this.layers().abort();
    await this.tx().inner.clear();
  }

  async close(): Promise<void> {
    const store = this.store;
    // Uncommitted writes are dropped: closing never makes them durable.
    this.top?.abort();
    this.store = null;
    this.top = null;
    this.cache = null;
    await store?.inner.close();
  }

  async get(key: K): Promise<V | undefined> {
    this.metrics.gets++;
    const bytes = await this.layers().get(this.keyBytes(key));
    return bytes === undefined ? undefined : this.options.valueSerde.deserialize(this.name, bytes);
  }

  async put(key: K, value: V): Promise<void> {
    this.metrics.puts++;
    this.write(this.keyBytes(key), this.options.valueSerde.serialize(this.name, value));
  }

  async putIfAbsent(key: K, value: V): Promise<V | undefined> {
    const existing = await this.get(key);
    if (existing === undefined) await this.put(key, value);
    return existing;
  }

  async putAll(entries: readonly KeyValue<K, V>[]): Promise<void> {
    for (const entry of entries) await this.put(entry.key, entry.value);
  }

  async delete(key: K): Promise<V | undefined> {
    const old = await this.get(key);
    this.metrics.deletes++;
    if (old !== undefined) this.write(this.keyBytes(key), null);
    return old;
  }

  async range(from: K, to: K): Promise<KeyValue<K, V>[]> {
    const toBytes = this.keyBytes(to);
    // [from, to] inclusive: the exclusive bound is `to` followed by a zero byte.
    return this.scan({ from: this.keyBytes(from), toExclusive: Buffer.concat([toBytes, Buffer.from([0])]) });
  }

  async prefixScan(prefix: Buffer): Promise<KeyValue<K, V>[]> {
    return this.scan({ from: prefix, toExclusive: prefixEnd(prefix) });
  }

  async all(): Promise<KeyValue<K, V>[]> {
    return this.scan({ from: null, toExclusive: null });
  }

  async approximateNumEntries(): Promise<number> {
    return this.tx().inner.approximateCount();
  }

  private async scan(range: { from: Buffer | null; toExclusive: Buffer | null }): Promise<KeyValue<K, V>[]> {
    this.metrics.scans++;
    const entries = await this.layers().scan(range);
    return entries.map((e) => ({
      key: this.options.keySerde.deserialize(this.name, e.key),
      value: this.options.valueSerde.deserialize(this.name, e.value),
    }));
  }

  private write(key: Buffer, value: Buffer | null): void {
    this.layers().put(key, value);
  }

  private keyBytes(key: K): Buffer {
    return this.options.keySerde.serialize(this.name, key);
  }

  private layers(): KeyValueBytesLayer {
    if (!this.top) throw new StateStoreError(`State store ${this.name} is not open`);
    return this.top;
  }

  private tx(): TransactionalBytesStore {
    if (!this.store) throw new StateStoreError(`State store ${this.name} is not open`);
    return this.store;
  }
}
