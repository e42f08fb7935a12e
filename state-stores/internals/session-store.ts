import type { Windowed } from '../../engine-common/windowed.ts';
import type { ChangelogRecord, KeyValue, SessionStore, StateStoreContext } from '../state-store.ts';
import { LayeredBytesStore } from './layered-bytes-store.ts';
import type { SegmentedStoreConfig } from './segmented-store-config.ts';
import { deleteBefore, fetchKey, fetchTimeRange } from './segmented-ranges.ts';
import { readTime, TIME_BYTES, WindowedKeyCodec, writeTime } from './windowed-key-codec.ts';

/**
 * A session store over the byte layers (change-logging, transactional buffer, RocksDB or memory),
 * keyed `<segment(end)><len><key><end><start>` (`WindowedKeyCodec` with the start as suffix), as
 * Kafka Streams segments sessions by end: a key's sessions that end after a time are one range per
 * segment, and the segments that only hold sessions ended before a time are one range to drop.
 *
 * Like the window store, it keeps its expiry bound (the first live segment) in memory, following
 * the transaction and starting at 0 after a restart.
 */
export class SegmentedSessionStore<K, V> implements SessionStore<K, V> {
  readonly name: string;
  readonly persistent: boolean;
  private readonly options: SegmentedStoreConfig<K, V>;
  private readonly bytes: LayeredBytesStore;
  private readonly codec: WindowedKeyCodec;
  private firstLiveSegment = 0;
  private committedFirstLiveSegment = 0;

  constructor(options: SegmentedStoreConfig<K, V>) {
    this.options = options;
    this.name = options.name;
    this.persistent = options.persistent;
    this.bytes = new LayeredBytesStore(options);
    this.codec = new WindowedKeyCodec({
      segmentIntervalMs: options.segmentIntervalMs,
      suffixBytes: TIME_BYTES,
    });
  }

  async init(context: StateStoreContext): Promise<void> {
    await this.bytes.init(context);
    this.resetBound();
  }
  checkpointedOffset(): bigint | null {
    return this.bytes.checkpointedOffset();
  }
  async restore(records: readonly ChangelogRecord[], nextOffset: bigint): Promise<void> {
    await this.bytes.restore(records, nextOffset);
    this.resetBound();
  }
  flush(): Promise<void> {
    return this.bytes.flush();
  }
  async commit(nextChangelogOffset: bigint | null): Promise<void> {
    await this.bytes.commit(nextChangelogOffset);
    this.committedFirstLiveSegment = this.firstLiveSegment;
  }
  async abort(): Promise<void> {
    await this.bytes.abort();
    this.firstLiveSegment = this.committedFirstLiveSegment;
  }
  async wipe(): Promise<void> {
    await this.bytes.wipe();
    this.resetBound();
  }
  close(): Promise<void> {
    return this.bytes.close();
  }
  isOpen(): boolean {
    return this.bytes.isOpen();
  }

  async findSessions(
    key: K,
    earliestSessionEndMs: number,
    latestSessionStartMs: number,
  ): Promise<KeyValue<Windowed<K>, V>[]> {
    const from = Math.max(earliestSessionEndMs, this.codec.segmentStartMs(this.firstLiveSegment));
    // A session may end any time after it starts: every later segment can hold a match.
    const entries = await fetchKey(this.bytes.layers(), this.codec, this.keyBytes(key), from, Infinity);
    const out: KeyValue<Windowed<K>, V>[] = [];
    for (const entry of entries) {
      const start = readTime(entry.key, entry.key.length - TIME_BYTES);
      if (start > latestSessionStartMs) continue;
      out.push({
        key: { key, window: { start, end: this.codec.timeOf(entry.key) } },
        value: this.options.valueSerde.deserialize(this.name, entry.value),
      });
    }
    return out;
  }

  async findSessionsEndingIn(
    earliestSessionEndMs: number,
    latestSessionEndMs: number,
  ): Promise<KeyValue<Windowed<K>, V>[]> {
    const from = Math.max(earliestSessionEndMs, this.codec.segmentStartMs(this.firstLiveSegment));
    const entries = await fetchTimeRange(this.bytes.layers(), this.codec, from, latestSessionEndMs);
    // Inside a segment keys lead (<len><key><end><start>): re-sort to Kafka Streams' time-first order.
    const decoded = entries.map((entry) => {
      const { key, timeMs, suffix } = this.codec.decode(entry.key);
      return { key, end: timeMs, start: readTime(suffix, 0), value: entry.value };
    });
    decoded.sort((a, b) => a.end - b.end || a.start - b.start || Buffer.compare(a.key, b.key));
    return decoded.map((s) => ({
      key: {
        key: this.options.keySerde.deserialize(this.name, s.key),
        window: { start: s.start, end: s.end },
      },
      value: this.options.valueSerde.deserialize(this.name, s.value),
    }));
  }

  async fetchSession(key: K, sessionStartMs: number, sessionEndMs: number): Promise<V | undefined> {
    if (this.codec.segmentOf(sessionEndMs) < this.firstLiveSegment) return undefined;
    const bytes = await this.bytes.layers().get(this.storeKey(key, sessionStartMs, sessionEndMs));
    return bytes === undefined ? undefined : this.options.valueSerde.deserialize(this.name, bytes);
  }

  async put(session: Windowed<K>, value: V): Promise<void> {
    // As Kafka Streams' segmented stores: a write into a dropped segment is dropped.
    if (this.codec.segmentOf(session.window.end) < this.firstLiveSegment) return;
    this.bytes
      .layers()
      .put(
        this.storeKey(session.key, session.window.start, session.window.end),
        this.options.valueSerde.serialize(this.name, value),
      );
  }

  async remove(session: Windowed<K>): Promise<void> {
    if (this.codec.segmentOf(session.window.end) < this.firstLiveSegment) return;
    this.bytes.layers().put(this.storeKey(session.key, session.window.start, session.window.end), null);
  }

  async expire(beforeEndMs: number): Promise<void> {
    // Segments that end by beforeEndMs hold only sessions that ended before it.
    const firstLive = this.codec.segmentOf(beforeEndMs);
    if (firstLive <= this.firstLiveSegment) return;
    const lastDropped = firstLive - 1;
    await deleteBefore(
      this.bytes.layers(),
      this.codec,
      this.firstLiveSegment,
      lastDropped,
      this.codec.segmentStartMs(firstLive),
    );
    this.firstLiveSegment = firstLive;
  }

  private storeKey(key: K, startMs: number, endMs: number): Buffer {
    const start = Buffer.allocUnsafe(TIME_BYTES);
    writeTime(start, startMs, 0);
    return this.codec.encode(this.keyBytes(key), endMs, start);
  }

  private resetBound(): void {
    this.firstLiveSegment = 0;
    this.committedFirstLiveSegment = 0;
  }

  private keyBytes(key: K): Buffer {
    return this.options.keySerde.serialize(this.name, key);
  }
}
