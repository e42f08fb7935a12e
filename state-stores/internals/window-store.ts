import type { Serde } from '../../topology/serde.ts';
import type { ChangelogRecord, KeyValueStore, StateStoreContext, WindowStore } from '../state-store.ts';

/**
 * A window store over a key-value store: entries keyed `<key length:4><key bytes><window start:8>`,
 * so one key's windows are one range scan in time order. Every concern of the key-value layers
 * (change-logging, transactional buffer, RocksDB or memory) comes with it.
 */
export class KeyValueBackedWindowStore<K, V> implements WindowStore<K, V> {
  readonly name: string;
  readonly persistent: boolean;
  private readonly inner: KeyValueStore<Buffer, V>;
  private readonly keySerde: Serde<K>;

  constructor(inner: KeyValueStore<Buffer, V>, keySerde: Serde<K>) {
    this.inner = inner;
    this.name = inner.name;
    this.persistent = inner.persistent;
    this.keySerde = keySerde;
  }

  init(context: StateStoreContext): Promise<void> {
    return this.inner.init(context);
  }
  checkpointedOffset(): bigint | null {
    return this.inner.checkpointedOffset();
  }
  restore(records: readonly ChangelogRecord[], nextOffset: bigint): Promise<void> {
    return this.inner.restore(records, nextOffset);
  }
  flush(): Promise<void> {
    return this.inner.flush();
  }
  commit(nextChangelogOffset: bigint | null): Promise<void> {
    return this.inner.commit(nextChangelogOffset);
  }
  abort(): Promise<void> {
    return this.inner.abort();
  }
  wipe(): Promise<void> {
    return this.inner.wipe();
  }
  close(): Promise<void> {
    return this.inner.close();
  }
  isOpen(): boolean {
    return this.inner.isOpen();
  }

  async put(key: K, value: V | null, windowStartMs: number): Promise<void> {
    const storeKey = this.storeKey(key, windowStartMs);
    if (value === null) await this.inner.delete(storeKey);
    else await this.inner.put(storeKey, value);
  }

  fetch(key: K, windowStartMs: number): Promise<V | undefined> {
    return this.inner.get(this.storeKey(key, windowStartMs));
  }

  async fetchRange(key: K, fromMs: number, toMs: number): Promise<{ windowStartMs: number; value: V }[]> {
    const entries = await this.inner.range(this.storeKey(key, fromMs), this.storeKey(key, toMs));
    return entries.map((e) => ({ windowStartMs: startOf(e.key), value: e.value }));
  }

  async fetchAll(fromMs: number, toMs: number): Promise<{ key: K; windowStartMs: number; value: V }[]> {
    return (await this.inner.all())
      .map((e) => ({ key: this.keyOf(e.key), windowStartMs: startOf(e.key), value: e.value }))
      .filter((e) => e.windowStartMs >= fromMs && e.windowStartMs <= toMs);
  }

  async expire(beforeMs: number): Promise<void> {
    for (const { key } of await this.inner.all()) if (startOf(key) < beforeMs) await this.inner.delete(key);
  }

  private storeKey(key: K, windowStartMs: number): Buffer {
    const bytes = this.keySerde.serialize(this.name, key);
    const out = Buffer.alloc(4 + bytes.length + 8);
    out.writeUInt32BE(bytes.length, 0);
    bytes.copy(out, 4);
    out.writeBigInt64BE(BigInt(Math.max(0, windowStartMs)), 4 + bytes.length);
    return out;
  }

  private keyOf(storeKey: Buffer): K {
    return this.keySerde.deserialize(this.name, storeKey.subarray(4, 4 + storeKey.readUInt32BE(0)));
  }
}

function startOf(storeKey: Buffer): number {
  return Number(storeKey.readBigInt64BE(storeKey.length - 8));
}
