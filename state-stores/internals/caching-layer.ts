import { mapKey, type ByteEntry, type ByteRange } from './bytes.ts';
import type { KeyValueBytesLayer } from './bytes-layer.ts';

interface CacheEntry {
  readonly key: Buffer;
  /** null: the key is deleted (dirty) or known absent (clean). */
  value: Buffer | null;
  /** Written since the last flush: the layers below have not seen it yet. */
  dirty: boolean;
}

/** Bookkeeping bytes per entry on top of key and value (map slot, object, buffers' headers). */
const ENTRY_OVERHEAD_BYTES = 64;

/**
 * Kafka Streams' record cache, for one store: the latest value per key, in bytes, least recently
 * used first. Writes stay here until the task commits (or the cache is full), so a key updated
 * many times between two commits reaches the changelog, the write buffer and RocksDB once; reads of
 * hot keys (written or read before) are answered without going down. Bounded by `maxBytes`: the
 * least recently used entries are evicted, dirty ones written down first.
 *
 * Everything held is dropped on abort: an entry flushed during the transaction is clean here but
 * not committed below.
 */
export class CachingLayer implements KeyValueBytesLayer {
  private readonly lower: KeyValueBytesLayer;
  private readonly maxBytes: number;
  private readonly entries = new Map<string, CacheEntry>();
  private bytes = 0;
  readonly stats = { hits: 0, misses: 0, evictions: 0, flushedWrites: 0 };

  constructor(lower: KeyValueBytesLayer, maxBytes: number) {
    this.lower = lower;
    this.maxBytes = maxBytes;
  }

  async get(key: Buffer): Promise<Buffer | undefined> {
    const id = mapKey(key);
    const cached = this.entries.get(id);
    if (cached) {
      this.stats.hits++;
      this.touch(id, cached);
      return cached.value ?? undefined;
    }
    this.stats.misses++;
    const value = await this.lower.get(key);
    // A write that raced this read (another task's processing cannot; our own cannot while we
    // await) would already be in the map: keep it rather than the older value read below.
    if (!this.entries.has(id)) this.insert(id, { key: Buffer.from(key), value: value ?? null, dirty: false });
    return value;
  }

  async getMany(keys: readonly Buffer[]): Promise<(Buffer | undefined)[]> {
    await this.prefetch(keys);
    return Promise.all(keys.map((key) => this.get(key)));
  }

  /**
   * Loads the keys not cached yet in one read below (one native call for RocksDB instead of one
   * per key), as clean entries: the task's next records are then answered from memory. Harmless
   * when a key turns out not to be read: it is evicted like any other entry.
   */
  async prefetch(keys: readonly Buffer[]): Promise<void> {
    const wanted = new Map<string, Buffer>();
    for (const key of keys) {
      const id = mapKey(key);
      if (!this.entries.has(id)) wanted.set(id, key);
    }
    if (wanted.size === 0) return;
    const ids = [...wanted.keys()];
    const values = await this.lower.getMany([...wanted.values()]);
    ids.forEach((id, i) => {
      // A write that happened meanwhile is newer than what was read.
      if (!this.entries.has(id))
        this.insert(id, {
          key: Buffer.from(wanted.get(id) as Buffer),
          value: values[i] ?? null,
          dirty: false,
        });
    });
  }

  put(key: Buffer, value: Buffer | null): void {
    const id = mapKey(key);
    this.insert(id, {
      key: Buffer.from(key),
      value: value === null ? null : Buffer.from(value),
      dirty: true,
    });
  }

  /** Scans see everything: dirty entries are written down first, then the layers below answer. */
  async scan(range: ByteRange): Promise<ByteEntry[]> {
    this.flush();
    return this.lower.scan(range);
  }

  flush(): void {
    for (const entry of this.entries.values()) {
      if (!entry.dirty) continue;
      this.lower.put(entry.key, entry.value);
      entry.dirty = false;
      this.stats.flushedWrites++;
    }
    this.lower.flush();
  }

  async commit(checkpoint: bigint | null): Promise<void> {
    this.flush();
    await this.lower.commit(checkpoint);
  }

  abort(): void {
    this.entries.clear();
    this.bytes = 0;
    this.lower.abort();
  }

  /** Entries and bytes held (for tests and metrics). */
  size(): { entries: number; bytes: number } {
    return { entries: this.entries.size, bytes: this.bytes };
  }

  private insert(id: string, entry: CacheEntry): void {
    const previous = this.entries.get(id);
    if (previous) {
      this.bytes -= sizeOf(previous);
      this.entries.delete(id);
    }
    this.entries.set(id, entry);
    this.bytes += sizeOf(entry);
    this.evict();
  }

  private touch(id: string, entry: CacheEntry): void {
    // Map order is insertion order: re-inserting makes the entry the most recently used.
    this.entries.delete(id);
    this.entries.set(id, entry);
  }

  private evict(): void {
    for (const [id, entry] of this.entries) {
      if (this.bytes <= this.maxBytes) return;
      if (entry.dirty) this.lower.put(entry.key, entry.value);
      this.entries.delete(id);
      this.bytes -= sizeOf(entry);
      this.stats.evictions++;
    }
  }
}

function sizeOf(entry: CacheEntry): number {
  return entry.key.length + (entry.value?.length ?? 0) + ENTRY_OVERHEAD_BYTES;
}
