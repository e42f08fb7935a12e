import { mapKey, type ByteEntry, type ByteRange, type ByteWrite, type BytesStore } from './bytes.ts';
import { SortedKeys } from './sorted-keys.ts';

/**
 * Sorted in-memory bytes: a map for point reads and the keys in byte order (chunked, so writes
 * stay cheap at a million keys) for range scans. Nothing survives a restart: the changelog
 * restores it.
 */
export class InMemoryBytesStore implements BytesStore {
  private readonly values = new Map<string, ByteEntry>();
  private readonly sorted = new SortedKeys();
  private checkpointOffset: bigint | null = null;

  async open(): Promise<void> {}

  async get(key: Buffer): Promise<Buffer | undefined> {
    return this.values.get(mapKey(key))?.value;
  }

  async getMany(keys: readonly Buffer[]): Promise<(Buffer | undefined)[]> {
    return keys.map((key) => this.values.get(mapKey(key))?.value);
  }

  async scan(range: ByteRange): Promise<ByteEntry[]> {
    return this.sorted
      .range(range.from, range.toExclusive, range.limit)
      .map((key) => this.values.get(mapKey(key)) as ByteEntry);
  }

  async write(writes: readonly ByteWrite[], checkpoint: bigint | null): Promise<void> {
    for (const { key, value } of writes) {
      const id = mapKey(key);
      const exists = this.values.has(id);
      if (value === null) {
        if (!exists) continue;
        this.values.delete(id);
        this.sorted.delete(key);
      } else {
        const copy = Buffer.from(key);
        this.values.set(id, { key: copy, value: Buffer.from(value) });
        if (!exists) this.sorted.insert(copy);
      }
    }
    if (checkpoint !== null) this.checkpointOffset = checkpoint;
  }

  checkpoint(): bigint | null {
    return this.checkpointOffset;
  }

  async clear(): Promise<void> {
    this.values.clear();
    this.sorted.clear();
    this.checkpointOffset = null;
  }

  async approximateCount(): Promise<number> {
    return this.values.size;
  }

  async close(): Promise<void> {}
}
