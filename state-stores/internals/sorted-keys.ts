import { compareBytes } from './bytes.ts';

/** A chunk splits in two past this many keys. */
const MAX_CHUNK = 1024;

/**
 * Byte keys in order, for the in-memory store's range scans: a list of sorted chunks of at most
 * MAX_CHUNK keys rather than one sorted array. An insert or delete then moves at most one chunk's
 * keys (and the chunk list when a chunk splits or empties) instead of half the store: with one
 * array of a million keys, each delete at its front copied ~8 MB, and expiring windows deletes
 * exactly there (the oldest segments sort first), thousands of times per commit.
 */
export class SortedKeys {
  private chunks: Buffer[][] = [];
  private count = 0;

  get size(): number {
    return this.count;
  }

  /** Adds `key`; the caller knows it is absent. */
  insert(key: Buffer): void {
    if (this.chunks.length === 0) {
      this.chunks.push([key]);
      this.count = 1;
      return;
    }
    const index = this.chunkFor(key);
    const chunk = this.chunks[index] as Buffer[];
    chunk.splice(lowerBound(chunk, key), 0, key);
    this.count++;
    if (chunk.length > MAX_CHUNK) this.chunks.splice(index + 1, 0, chunk.splice(MAX_CHUNK >>> 1));
  }

  /** Removes `key`; false when it was absent. */
  delete(key: Buffer): boolean {
    if (this.chunks.length === 0) return false;
    const index = this.chunkFor(key);
    const chunk = this.chunks[index] as Buffer[];
    const position = lowerBound(chunk, key);
    if (position >= chunk.length || compareBytes(chunk[position] as Buffer, key) !== 0) return false;
    chunk.splice(position, 1);
    this.count--;
    if (chunk.length === 0) this.chunks.splice(index, 1);
    return true;
  }

  /** Keys ≥ `from` and < `toExclusive` (null: unbounded), in order, at most `limit`. */
  range(from: Buffer | null, toExclusive: Buffer | null, limit = Infinity): Buffer[] {
    const out: Buffer[] = [];
    if (this.chunks.length === 0 || limit <= 0) return out;
    let index = from ? this.chunkFor(from) : 0;
    let position = from ? lowerBound(this.chunks[index] as Buffer[], from) : 0;
    for (; index < this.chunks.length; index++, position = 0) {
      const chunk = this.chunks[index] as Buffer[];
      for (; position < chunk.length; position++) {
        const key = chunk[position] as Buffer;
        if (toExclusive && compareBytes(key, toExclusive) >= 0) return out;
        out.push(key);
        if (out.length >= limit) return out;
      }
    }
    return out;
  }

  clear(): void {
    this.chunks = [];
    this.count = 0;
  }

  /** The last chunk whose first key is ≤ `key` (the first chunk when none is). */
  private chunkFor(key: Buffer): number {
    let low = 0;
    let high = this.chunks.length - 1;
    while (low < high) {
      const mid = (low + high + 1) >>> 1;
      if (compareBytes((this.chunks[mid] as Buffer[])[0] as Buffer, key) <= 0) low = mid;
      else high = mid - 1;
    }
    return low;
  }
}

/** First position in `sorted` whose key is ≥ `key`. */
function lowerBound(sorted: readonly Buffer[], key: Buffer): number {
  let low = 0;
  let high = sorted.length;
  while (low < high) {
    const mid = (low + high) >>> 1;
    if (compareBytes(sorted[mid] as Buffer, key) < 0) low = mid + 1;
    else high = mid;
  }
  return low;
}
