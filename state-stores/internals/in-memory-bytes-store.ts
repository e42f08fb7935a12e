import {
  compareBytes,
  mapKey,
  type ByteEntry,
  type ByteRange,
  type ByteWrite,
  type BytesStore,
} from './bytes.ts';

/**
 * Sorted in-memory bytes: a map for point reads and a sorted key array (binary-search inserts)
 * for ordered scans. Nothing survives a restart: the changelog restores it.
 */
export class InMemoryBytesStore implements BytesStore {
  private readonly values = new Map<string, ByteEntry>();
  private sorted: Buffer[] = [];
  private checkpointOffset: bigint | null = null;

  async open(): Promise<void> {}

  async get(key: Buffer): Promise<Buffer | undefined> {
    return this.values.get(mapKey(key))?.value;
  }

  async getMany(keys: readonly Buffer[]): Promise<(Buffer | undefined)[]> {
    return keys.map((key) => this.values.get(mapKey(key))?.value);
  }

  async scan(range: ByteRange): Promise<ByteEntry[]> {
    const start = range.from ? this.lowerBound(range.from) : 0;
    const out: ByteEntry[] = [];
    for (let i = start; i < this.sorted.length; i++) {
      const key = this.sorted[i] as Buffer;
      if (range.toExclusive && compareBytes(key, range.toExclusive) >= 0) break;
      out.push(this.values.get(mapKey(key)) as ByteEntry);
    }
    return out;
  }

  async write(writes: readonly ByteWrite[], checkpoint: bigint | null): Promise<void> {
    for (const { key, value } of writes) {
      const id = mapKey(key);
      const exists = this.values.has(id);
      if (value === null) {
        if (!exists) continue;
        this.values.delete(id);
        this.sorted.splice(this.lowerBound(key), 1);
      } else {
        const copy = Buffer.from(key);
        this.values.set(id, { key: copy, value: Buffer.from(value) });
        if (!exists) this.sorted.splice(this.lowerBound(key), 0, copy);
      }
    }
    if (checkpoint !== null) this.checkpointOffset = checkpoint;
  }

  checkpoint(): bigint | null {
    return this.checkpointOffset;
  }

  async clear(): Promise<void> {
    this.values.clear();
    this.sorted = [];
    this.checkpointOffset = null;
  }

  async approximateCount(): Promise<number> {
    return this.values.size;
  }

  async close(): Promise<void> {}

  private lowerBound(key: Buffer): number {
    let low = 0;
    let high = this.sorted.length;
    while (low < high) {
      const mid = (low + high) >>> 1;
      if (compareBytes(this.sorted[mid] as Buffer, key) < 0) low = mid + 1;
      else high = mid;
    }
    return low;
  }
}
