import type { Serde } from '../../engine-common/serde.ts';
import type {
  ChangelogRecord,
  KeyValue,
  KeyValueStore,
  StateStoreContext,
  StoreOperationCounts,
} from '../state-store.ts';
import { prefixEnd, type BytesStore } from './bytes.ts';
import type { KeyValueBytesLayer } from './bytes-layer.ts';
import type { CachingLayer } from './caching-layer.ts';
import { LayeredBytesStore } from './layered-bytes-store.ts';

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
 * A typed key-value store: this metered layer (serde + counts) over the byte layers of
 * `LayeredBytesStore` (record cache → change-logging → transactional write buffer → RocksDB or
 * memory).
 */
export class LayeredKeyValueStore<K, V> implements KeyValueStore<K, V> {
  readonly name: string;
  readonly persistent: boolean;
  /** The metered part of this layer: counts read by the runtime's metrics (operationCounts). */
  private readonly counts: StoreOperationCounts = {
    gets: 0,
    puts: 0,
    deletes: 0,
    scans: 0,
    commits: 0,
    restoredRecords: 0,
  };
  private readonly options: KeyValueStoreOptions<K, V>;
  private readonly bytes: LayeredBytesStore;

  constructor(options: KeyValueStoreOptions<K, V>) {
    this.options = options;
    this.name = options.name;
    this.persistent = options.persistent;
    this.bytes = new LayeredBytesStore(options);
  }

  init(context: StateStoreContext): Promise<void> {
    return this.bytes.init(context);
  }

  operationCounts(): Readonly<StoreOperationCounts> {
    return this.counts;
  }

  /** Record cache counters, or null when caching is off. */
  cacheStats(): CachingLayer['stats'] | null {
    return this.bytes.cacheStats();
  }

  isOpen(): boolean {
    return this.bytes.isOpen();
  }

  checkpointedOffset(): bigint | null {
    return this.bytes.checkpointedOffset();
  }

  async restore(records: readonly ChangelogRecord[], nextOffset: bigint): Promise<void> {
    await this.bytes.restore(records, nextOffset);
    this.counts.restoredRecords += records.length;
  }

  prefetch(keys: readonly Buffer[]): Promise<void> {
    return this.bytes.prefetch(keys);
  }

  flush(): Promise<void> {
    return this.bytes.flush();
  }

  async commit(nextChangelogOffset: bigint | null): Promise<void> {
    await this.bytes.commit(nextChangelogOffset);
    this.counts.commits++;
  }

  abort(): Promise<void> {
    return this.bytes.abort();
  }

  wipe(): Promise<void> {
    return this.bytes.wipe();
  }

  close(): Promise<void> {
    return this.bytes.close();
  }

  async get(key: K): Promise<V | undefined> {
    this.counts.gets++;
    const bytes = await this.layers().get(this.keyBytes(key));
    return bytes === undefined ? undefined : this.options.valueSerde.deserialize(this.name, bytes);
  }

  async put(key: K, value: V): Promise<void> {
    this.counts.puts++;
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
    this.counts.deletes++;
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

  approximateNumEntries(): Promise<number> {
    return this.bytes.approximateCount();
  }

  private async scan(range: { from: Buffer | null; toExclusive: Buffer | null }): Promise<KeyValue<K, V>[]> {
    this.counts.scans++;
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
    return this.bytes.layers();
  }
}
