/** Byte-order comparison: the iteration order of every store (as RocksDB and Kafka Streams use). */
export function compareBytes(a: Buffer, b: Buffer): number {
  return Buffer.compare(a, b);
}

/** Map key for a byte key: latin1 keeps one char per byte, so it is exact and cheap. */
export function mapKey(key: Buffer): string {
  return key.toString('latin1');
}

/** The smallest key greater than every key starting with `prefix`, or null when there is none. */
export function prefixEnd(prefix: Buffer): Buffer | null {
  const end = Buffer.from(prefix);
  for (let i = end.length - 1; i >= 0; i--) {
    if ((end[i] as number) < 0xff) {
      end[i] = (end[i] as number) + 1;
      return end.subarray(0, i + 1);
    }
  }
  return null;
}

export interface ByteEntry {
  readonly key: Buffer;
  readonly value: Buffer;
}

export interface ByteWrite {
  readonly key: Buffer;
  /** null deletes. */
  readonly value: Buffer | null;
}

/** Bounds of a scan: `from` inclusive, `to` exclusive; null = unbounded. */
export interface ByteRange {
  readonly from: Buffer | null;
  readonly toExclusive: Buffer | null;
  /**
   * At most this many entries, the smallest first (absent: all). A limit of 1 is a seek: the
   * segmented stores use it to skip from one non-empty segment to the next without reading them.
   */
  readonly limit?: number;
}

/**
 * The innermost store: bytes in, bytes out, with the changelog checkpoint kept beside the data and
 * written in the same atomic batch (ARCHITECTURE.md, principle 4).
 */
export interface BytesStore {
  open(): Promise<void>;
  get(key: Buffer): Promise<Buffer | undefined>;
  /** Several point reads in one call (one native round trip for RocksDB). */
  getMany(keys: readonly Buffer[]): Promise<(Buffer | undefined)[]>;
  /** Entries in byte order within `range`: a seek, then a forward read (RocksDB: one iterator). */
  scan(range: ByteRange): Promise<ByteEntry[]>;
  /** Applies the writes and the checkpoint atomically. */
  write(writes: readonly ByteWrite[], checkpoint: bigint | null): Promise<void>;
  checkpoint(): bigint | null;
  /** Deletes every entry and the checkpoint. */
  clear(): Promise<void>;
  approximateCount(): Promise<number>;
  close(): Promise<void>;
}
