import type { ByteEntry, ByteRange } from './bytes.ts';

/**
 * One layer of a key-value store's write path, in bytes (Kafka Streams' wrapped stores): caching
 * over change-logging over the transactional write buffer over RocksDB or memory. Each layer does
 * one job and passes the rest down.
 */
export interface KeyValueBytesLayer {
  get(key: Buffer): Promise<Buffer | undefined>;
  getMany(keys: readonly Buffer[]): Promise<(Buffer | undefined)[]>;
  /** null deletes. Writes are buffered until the task's transaction commits. */
  put(key: Buffer, value: Buffer | null): void;
  /** Entries in byte order, the open transaction's writes included. */
  scan(range: ByteRange): Promise<ByteEntry[]>;
  /** Pushes what a layer holds back (the record cache) down, so the changelog sees it. */
  flush(): void;
  /** Makes the open transaction's writes durable with the changelog checkpoint. */
  commit(checkpoint: bigint | null): Promise<void>;
  /** Forgets the open transaction's writes. */
  abort(): void;
}
