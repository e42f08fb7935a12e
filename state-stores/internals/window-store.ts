import type { ChangelogRecord, StateStoreContext, WindowStore } from '../state-store.ts';
import { LayeredBytesStore } from './layered-bytes-store.ts';
import type { SegmentedStoreConfig } from './segmented-store-config.ts';
import { deleteBefore, fetchKey, fetchTimeRange } from './segmented-ranges.ts';
import { WindowedKeyCodec } from './windowed-key-codec.ts';

/**
 * A window store over the byte layers (change-logging, transactional buffer, RocksDB or memory),
 * keyed `<segment(start)><len><key><start>` (`WindowedKeyCodec`).
 *
 * Expiry keeps a bound in memory: every window that starts before it is deleted, in the open
 * transaction or committed. Reads start at the bound, so the tombstoned entries that the inner
 * store still holds until commit are not read again at every step. The bound follows the
 * transaction: abort returns it to the last committed one, and it starts at 0 after a restart
 * (everything it covered was deleted and committed by then, so reads from 0 find only live data).
 */
export class SegmentedWindowStore<K, V> implements WindowStore<K, V> {
  readonly name: string;
  readonly persistent: boolean;
  private readonly options: SegmentedStoreConfig<K, V>;
  private readonly bytes: LayeredBytesStore;
  private readonly codec: WindowedKeyCodec;
  private expiredBefore = 0;
  private committedExpiredBefore = 0;

  constructor(options: SegmentedStoreConfig<K, V>) {
    this.options = options;
    this.name = options.name;
    this.persistent = options.persistent;
    this.bytes = new LayeredBytesStore(options);
    this.codec = new WindowedKeyCodec({ segmentIntervalMs: options.segmentIntervalMs });
  }

  async init(context: StateStoreContext): Promise<void> {
    await this.bytes.init(context);
    this.resetBound(0);
  }
  checkpointedOffset(): bigint | null {
    return this.bytes.checkpointedOffset();
  }
  async restore(records: readonly ChangelogRecord[], nextOffset: bigint): Promise<void> {
    await this.bytes.restore(records, nextOffset);
    this.resetBound(0);
  }
  flush(): Promise<void> {
    return this.bytes.flush();
  }
  async commit(nextChangelogOffset: bigint | null): Promise<void> {
    await this.bytes.commit(nextChangelogOffset);
    this.committedExpiredBefore = this.expiredBefore;
  }
  async abort(): Promise<void> {
    await this.bytes.abort();
    this.expiredBefore = this.committedExpiredBefore;
  }
  async wipe(): Promise<void> {
    await this.bytes.wipe();
    this.resetBound(0);
  }
  close(): Promise<void> {
    return this.bytes.close();
  }
  isOpen(): boolean {
    return this.bytes.isOpen();
  }

  async put(key: K, value: V | null, windowStartMs: number): Promise<void> {
    // As Kafka Streams' segmented stores: a write into expired time is dropped.
    if (windowStartMs < this.expiredBefore) return;
    this.bytes
      .layers()
      .put(
        this.codec.encode(this.keyBytes(key), windowStartMs),
        value === null ? null : this.options.valueSerde.serialize(this.name, value),
      );
  }

  async fetch(key: K, windowStartMs: number): Promise<V | undefined> {
    if (windowStartMs < this.expiredBefore) return undefined;
    const bytes = await this.bytes.layers().get(this.codec.encode(this.keyBytes(key), windowStartMs));
    return bytes === undefined ? undefined : this.options.valueSerde.deserialize(this.name, bytes);
  }

  async fetchRange(key: K, fromMs: number, toMs: number): Promise<{ windowStartMs: number; value: V }[]> {
    const entries = await fetchKey(
      this.bytes.layers(),
      this.codec,
      this.keyBytes(key),
      Math.max(fromMs, this.expiredBefore),
      toMs,
    );
    return entries.map((e) => ({
      windowStartMs: this.codec.timeOf(e.key),
      value: this.options.valueSerde.deserialize(this.name, e.value),
    }));
  }

  async fetchAll(fromMs: number, toMs: number): Promise<{ key: K; windowStartMs: number; value: V }[]> {
    const entries = await fetchTimeRange(
      this.bytes.layers(),
      this.codec,
      Math.max(fromMs, this.expiredBefore),
      toMs,
    );
    return entries.map((e) => {
      const decoded = this.codec.decode(e.key);
      return {
        key: this.options.keySerde.deserialize(this.name, decoded.key),
        windowStartMs: decoded.timeMs,
        value: this.options.valueSerde.deserialize(this.name, e.value),
      };
    });
  }

  async expire(beforeMs: number): Promise<void> {
    if (beforeMs <= this.expiredBefore) return;
    const first = this.codec.segmentOf(this.expiredBefore);
    // The segment holding beforeMs − 1 is the last one that can hold anything before beforeMs.
    await deleteBefore(this.bytes.layers(), this.codec, first, this.codec.segmentOf(beforeMs - 1), beforeMs);
    this.expiredBefore = beforeMs;
  }

  private resetBound(bound: number): void {
    this.expiredBefore = bound;
    this.committedExpiredBefore = bound;
  }

  private keyBytes(key: K): Buffer {
    return this.options.keySerde.serialize(this.name, key);
  }
}
