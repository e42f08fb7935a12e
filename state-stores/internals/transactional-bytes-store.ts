import {
  compareBytes,
  mapKey,
  prefixEnd,
  type ByteEntry,
  type ByteRange,
  type ByteWrite,
  type BytesStore,
} from './bytes.ts';
import type { KeyValueBytesLayer } from './bytes-layer.ts';

/**
 * The write buffer of the open transaction over an inner store (Quix's `PartitionTransaction`):
 * reads see their own writes; `commit` applies the buffer and the checkpoint in one inner batch;
 * `abort` forgets it. Local state is therefore never ahead of Kafka.
 */
export class TransactionalBytesStore implements KeyValueBytesLayer {
  readonly inner: BytesStore;
  private pending = new Map<string, ByteWrite>();
  /**
   * The writes a commit is applying to the inner store, readable until it is done: a global store
   * is read by the stream tasks while its maintainer commits, and a read in between must not see
   * a key go back to its old value.
   */
  private committing: Map<string, ByteWrite> | null = null;

  constructor(inner: BytesStore) {
    this.inner = inner;
  }

  async get(key: Buffer): Promise<Buffer | undefined> {
    const write = this.written(mapKey(key));
    if (write) return write.value ?? undefined;
    return this.inner.get(key);
  }

  /** The open transaction's writes first; the rest from the inner store in one call. */
  async getMany(keys: readonly Buffer[]): Promise<(Buffer | undefined)[]> {
    const result: (Buffer | undefined)[] = new Array(keys.length);
    const missing: number[] = [];
    keys.forEach((key, i) => {
      const write = this.written(mapKey(key));
      if (write) result[i] = write.value ?? undefined;
      else missing.push(i);
    });
    if (missing.length > 0) {
      const found = await this.inner.getMany(missing.map((i) => keys[i] as Buffer));
      missing.forEach((i, n) => (result[i] = found[n]));
    }
    return result;
  }

  put(key: Buffer, value: Buffer | null): void {
    this.pending.set(mapKey(key), {
      key: Buffer.from(key),
      value: value === null ? null : Buffer.from(value),
    });
  }

  /**
   * Inner entries merged with the pending writes in the range (deletes hide, puts override or
   * add), in byte order. Both sides are sorted, so this is one merge pass; with no pending write in
   * the range (the common case right after a commit) the inner result is returned as is.
   */
  async scan(range: ByteRange): Promise<ByteEntry[]> {
    const local: ByteWrite[] = [];
    const writes = this.committing ? new Map([...this.committing, ...this.pending]) : this.pending;
    for (const write of writes.values()) {
      if (range.from && compareBytes(write.key, range.from) < 0) continue;
      if (range.toExclusive && compareBytes(write.key, range.toExclusive) >= 0) continue;
      local.push(write);
    }
    if (local.length === 0) return this.inner.scan(range);
    // Each pending write may hide one of the inner store's first entries: read that many more,
    // and the first `limit` of the merge are exact.
    const inner = await this.inner.scan(
      range.limit === undefined ? range : { ...range, limit: range.limit + local.length },
    );
    local.sort((a, b) => compareBytes(a.key, b.key));
    const limit = range.limit ?? Infinity;
    const out: ByteEntry[] = [];
    let i = 0;
    let j = 0;
    while ((i < inner.length || j < local.length) && out.length < limit) {
      const order =
        i === inner.length
          ? 1
          : j === local.length
            ? -1
            : compareBytes((inner[i] as ByteEntry).key, (local[j] as ByteWrite).key);
      if (order < 0) {
        out.push(inner[i++] as ByteEntry);
        continue;
      }
      if (order === 0) i++;
      const write = local[j++] as ByteWrite;
      if (write.value !== null) out.push({ key: write.key, value: write.value });
    }
    return out;
  }

  prefixRange(prefix: Buffer): ByteRange {
    return { from: prefix, toExclusive: prefixEnd(prefix) };
  }

  /** Nothing held above the buffer: the layers above flush into it. */
  flush(): void {}

  hasPending(): boolean {
    return this.pending.size > 0;
  }

  async commit(checkpoint: bigint | null): Promise<void> {
    const writes = this.pending;
    this.pending = new Map();
    this.committing = writes;
    try {
      await this.inner.write([...writes.values()], checkpoint);
    } finally {
      this.committing = null;
    }
  }

  /** The latest uncommitted (or being committed) write of a key. */
  private written(key: string): ByteWrite | undefined {
    return this.pending.get(key) ?? this.committing?.get(key);
  }

  abort(): void {
    this.pending = new Map();
  }
}
