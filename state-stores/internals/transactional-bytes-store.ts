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

  constructor(inner: BytesStore) {
    this.inner = inner;
  }

  async get(key: Buffer): Promise<Buffer | undefined> {
    const write = this.pending.get(mapKey(key));
    if (write) return write.value ?? undefined;
    return this.inner.get(key);
  }

  /** The open transaction's writes first; the rest from the inner store in one call. */
  async getMany(keys: readonly Buffer[]): Promise<(Buffer | undefined)[]> {
    const result: (Buffer | undefined)[] = new Array(keys.length);
    const missing: number[] = [];
    keys.forEach((key, i) => {
      const write = this.pending.get(mapKey(key));
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

  /** Inner entries merged with pending writes (deletes hide, puts override or add), in byte order. */
  async scan(range: ByteRange): Promise<ByteEntry[]> {
    const merged = new Map<string, ByteEntry>();
    for (const entry of await this.inner.scan(range)) merged.set(mapKey(entry.key), entry);
    for (const [id, write] of this.pending) {
      if (range.from && compareBytes(write.key, range.from) < 0) continue;
      if (range.toExclusive && compareBytes(write.key, range.toExclusive) >= 0) continue;
      if (write.value === null) merged.delete(id);
      else merged.set(id, { key: write.key, value: write.value });
    }
    return [...merged.values()].sort((a, b) => compareBytes(a.key, b.key));
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
    const writes = [...this.pending.values()];
    this.pending = new Map();
    await this.inner.write(writes, checkpoint);
  }

  abort(): void {
    this.pending = new Map();
  }
}
