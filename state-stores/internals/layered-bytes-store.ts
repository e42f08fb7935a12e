import { StateStoreError } from '../../engine-common/errors.ts';
import type { ChangelogRecord, StateStoreContext } from '../state-store.ts';
import type { BytesStore } from './bytes.ts';
import type { KeyValueBytesLayer } from './bytes-layer.ts';
import { CachingLayer } from './caching-layer.ts';
import { ChangeLoggingLayer } from './change-logging-layer.ts';
import { TransactionalBytesStore } from './transactional-bytes-store.ts';

/** Cache budget when the owner does not say (the runtime passes its `storeCacheMaxBytes`). */
const DEFAULT_CACHE_MAX_BYTES = 1_048_576;

export interface LayeredBytesOptions {
  readonly name: string;
  readonly loggingEnabled: boolean;
  /** A record cache (Kafka Streams' caching layer), sized by the context's `cacheMaxBytes`. */
  readonly cachingEnabled: boolean;
  /** Makes the inner bytes store once the task's directory is known. */
  readonly inner: (context: StateStoreContext) => BytesStore;
}

/**
 * The byte layers under every typed store, outermost first (Kafka Streams' order): record cache
 * (optional: the latest value per key until commit) → change-logging (every write that reaches it
 * also goes to the changelog) → transactional write buffer → inner bytes store (RocksDB or
 * memory), and the store lifecycle over them. Key-value, window and session stores differ only in
 * how they lay their keys out on top, so they share this.
 */
export class LayeredBytesStore {
  readonly name: string;
  private readonly options: LayeredBytesOptions;
  private store: TransactionalBytesStore | null = null;
  /** The top of the byte layers: what reads and writes go through. */
  private top: KeyValueBytesLayer | null = null;
  private cache: CachingLayer | null = null;

  constructor(options: LayeredBytesOptions) {
    this.options = options;
    this.name = options.name;
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
  }

  async prefetch(keys: readonly Buffer[]): Promise<void> {
    await this.cache?.prefetch(keys);
  }

  async flush(): Promise<void> {
    this.layers().flush();
  }

  async commit(nextChangelogOffset: bigint | null): Promise<void> {
    await this.layers().commit(nextChangelogOffset);
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

  approximateCount(): Promise<number> {
    return this.tx().inner.approximateCount();
  }

  /** What reads and writes go through; throws when the store is not open. */
  layers(): KeyValueBytesLayer {
    if (!this.top) throw new StateStoreError(`State store ${this.name} is not open`);
    return this.top;
  }

  private tx(): TransactionalBytesStore {
    if (!this.store) throw new StateStoreError(`State store ${this.name} is not open`);
    return this.store;
  }
}
