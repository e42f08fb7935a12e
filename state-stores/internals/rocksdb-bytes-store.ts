import { mkdir } from 'node:fs/promises';
import { RocksLevel } from '@nxtedition/rocksdb';
import { StateStoreError } from '../../engine-common/errors.ts';
import type { ByteEntry, ByteRange, ByteWrite, BytesStore } from './bytes.ts';

/**
 * User keys live under prefix 0x01 and the changelog checkpoint under 0x00, in the same database,
 * so data and checkpoint are written in one atomic RocksDB batch and can never disagree.
 */
const DATA = Buffer.from([0x01]);
const DATA_END = Buffer.from([0x02]);
const CHECKPOINT_KEY = Buffer.from('\x00checkpoint', 'latin1');

const data = (key: Buffer): Buffer => Buffer.concat([DATA, key]);

type Db = RocksLevel<Buffer, Buffer>;

/** A RocksDB database per store per task (`<taskDir>/rocksdb/<store>`), via @nxtedition/rocksdb. */
export class RocksDbBytesStore implements BytesStore {
  private readonly location: string;
  private db: Db | null = null;
  private checkpointOffset: bigint | null = null;

  constructor(location: string) {
    this.location = location;
  }

  async open(): Promise<void> {
    await mkdir(this.location, { recursive: true });
    const db: Db = new RocksLevel(this.location, { keyEncoding: 'buffer', valueEncoding: 'buffer' });
    try {
      await db.open();
    } catch (cause) {
      throw new StateStoreError(
        `Cannot open RocksDB at ${this.location} (another process may hold its lock): ${(cause as Error).message}`,
        { cause },
      );
    }
    this.db = db;
    const [stored] = await db.getMany([CHECKPOINT_KEY]);
    this.checkpointOffset = stored ? BigInt(stored.toString('utf8')) : null;
  }

  async get(key: Buffer): Promise<Buffer | undefined> {
    const db = this.requireDb();
    // A point read is a few microseconds in RocksDB (memtable / block cache); the async getMany
    // hops to the libuv thread pool and back, which cost 2.6x the read itself and was the top
    // frame of the saga's profile. Read synchronously on the stream thread, as Kafka Streams
    // does, when the binding offers it; getMany answers undefined for a missing key (get()
    // would throw a not-found error instead).
    if (typeof db._getManySync === 'function') return db._getManySync([data(key)])[0] ?? undefined;
    const [value] = await db.getMany([data(key)]);
    return value ?? undefined;
  }

  async getMany(keys: readonly Buffer[]): Promise<(Buffer | undefined)[]> {
    const db = this.requireDb();
    const dataKeys = keys.map(data);
    const values =
      typeof db._getManySync === 'function' ? db._getManySync(dataKeys) : await db.getMany(dataKeys);
    return values.map((v) => v ?? undefined);
  }

  async scan(range: ByteRange): Promise<ByteEntry[]> {
    // One iterator: a seek to `from`, then forward reads until `toExclusive` or the limit, so a
    // range costs what it returns (the segmented stores rely on that), never the whole database.
    const entries = await this.requireDb()
      .iterator({
        gte: range.from ? data(range.from) : DATA,
        lt: range.toExclusive ? data(range.toExclusive) : DATA_END,
        ...(range.limit === undefined ? {} : { limit: range.limit }),
      })
      .all();
    return entries.map(([key, value]) => ({ key: key.subarray(1), value }));
  }

  async write(writes: readonly ByteWrite[], checkpoint: bigint | null): Promise<void> {
    const operations: ({ type: 'put'; key: Buffer; value: Buffer } | { type: 'del'; key: Buffer })[] =
      writes.map((w) =>
        w.value === null
          ? { type: 'del', key: data(w.key) }
          : { type: 'put', key: data(w.key), value: w.value },
      );
    if (checkpoint !== null)
      operations.push({ type: 'put', key: CHECKPOINT_KEY, value: Buffer.from(checkpoint.toString()) });
    if (operations.length === 0) return;
    await this.requireDb().batch(operations);
    if (checkpoint !== null) this.checkpointOffset = checkpoint;
  }

  checkpoint(): bigint | null {
    return this.checkpointOffset;
  }

  async clear(): Promise<void> {
    // Data first, then the checkpoint: a crash in between leaves a checkpoint over an emptied
    // store, which the next start's check finds wrong again and clears again.
    await this.requireDb().clear({ gte: DATA, lt: DATA_END });
    await this.requireDb().batch([{ type: 'del', key: CHECKPOINT_KEY }]);
    this.checkpointOffset = null;
  }

  async approximateCount(): Promise<number> {
    const estimate = Number(this.requireDb().getProperty('rocksdb.estimate-num-keys'));
    return Number.isFinite(estimate) ? Math.max(0, estimate - (this.checkpointOffset === null ? 0 : 1)) : 0;
  }

  async close(): Promise<void> {
    const db = this.db;
    this.db = null;
    await db?.close();
  }

  private requireDb(): Db {
    if (!this.db) throw new StateStoreError(`RocksDB store at ${this.location} is not open`);
    return this.db;
  }
}
