/**
 * A tiny transactional in-memory KeyValueStore for engine tests, written against the store
 * contract (state-stores/state-store.ts) so the topology, task and driver tests do not depend on
 * the real stores. Writes are buffered until commit (read-your-own-writes) and logged on write.
 */
import type {
  ChangelogRecord,
  KeyValue,
  KeyValueStore,
  StateStoreContext,
  StoreBuilder,
} from '../../../../state-stores/state-store.ts';
import { Stores } from '../../../../state-stores/index.ts';
import type { DslStoreSuppliers } from '../../../../topology/index.ts';
import type { Serde } from '../../../../engine-common/serde.ts';

const hex = (b: Buffer): string => b.toString('hex');

export class MemoryKeyValueStore<K, V> implements KeyValueStore<K, V> {
  readonly name: string;
  readonly persistent = false;
  private readonly keySerde: Serde<K>;
  private readonly valueSerde: Serde<V>;
  private readonly committed = new Map<string, { key: Buffer; value: Buffer }>();
  private buffer = new Map<string, { key: Buffer; value: Buffer | null }>();
  private context: StateStoreContext | null = null;
  private open = false;
  checkpoint: bigint | null = null;
  commits = 0;
  aborts = 0;

  constructor(name: string, keySerde: Serde<K>, valueSerde: Serde<V>) {
    this.name = name;
    this.keySerde = keySerde;
    this.valueSerde = valueSerde;
  }

  async init(context: StateStoreContext): Promise<void> {
    this.context = context;
    this.open = true;
  }
  checkpointedOffset(): bigint | null {
    return this.checkpoint;
  }
  async restore(records: readonly ChangelogRecord[], nextOffset: bigint): Promise<void> {
    for (const r of records) {
      if (r.value === null) this.committed.delete(hex(r.key));
      else this.committed.set(hex(r.key), { key: r.key, value: r.value });
    }
    this.checkpoint = nextOffset;
  }
  async commit(nextChangelogOffset: bigint | null): Promise<void> {
    for (const [k, e] of this.buffer) {
      if (e.value === null) this.committed.delete(k);
      else this.committed.set(k, { key: e.key, value: e.value });
    }
    this.buffer = new Map();
    this.checkpoint = nextChangelogOffset;
    this.commits++;
  }
  async flush(): Promise<void> {}
  async wipe(): Promise<void> {
    this.buffer = new Map();
    this.committed.clear();
    this.checkpoint = null;
  }
  async abort(): Promise<void> {
    this.buffer = new Map();
    this.aborts++;
  }
  async close(): Promise<void> {
    this.open = false;
  }
  isOpen(): boolean {
    return this.open;
  }

  async get(key: K): Promise<V | undefined> {
    const k = this.keySerde.serialize(this.name, key);
    const entry = this.buffer.has(hex(k)) ? this.buffer.get(hex(k)) : this.committed.get(hex(k));
    return entry?.value ? this.valueSerde.deserialize(this.name, entry.value) : undefined;
  }
  async put(key: K, value: V): Promise<void> {
    this.write(this.keySerde.serialize(this.name, key), this.valueSerde.serialize(this.name, value));
  }
  async putIfAbsent(key: K, value: V): Promise<V | undefined> {
    const existing = await this.get(key);
    if (existing === undefined) await this.put(key, value);
    return existing;
  }
  async putAll(entries: readonly KeyValue<K, V>[]): Promise<void> {
    for (const e of entries) await this.put(e.key, e.value);
  }
  async delete(key: K): Promise<V | undefined> {
    const old = await this.get(key);
    this.write(this.keySerde.serialize(this.name, key), null);
    return old;
  }
  async range(from: K, to: K): Promise<KeyValue<K, V>[]> {
    const lo = this.keySerde.serialize(this.name, from);
    const hi = this.keySerde.serialize(this.name, to);
    return (await this.entries())
      .filter((e) => Buffer.compare(e[0], lo) >= 0 && Buffer.compare(e[0], hi) <= 0)
      .map((e) => e[1]);
  }
  async prefixScan(prefix: Buffer): Promise<KeyValue<K, V>[]> {
    return (await this.entries())
      .filter((e) => e[0].subarray(0, prefix.length).equals(prefix))
      .map((e) => e[1]);
  }
  async all(): Promise<KeyValue<K, V>[]> {
    return (await this.entries()).map((e) => e[1]);
  }
  async approximateNumEntries(): Promise<number> {
    return (await this.entries()).length;
  }

  private write(key: Buffer, value: Buffer | null): void {
    this.buffer.set(hex(key), { key, value });
    this.context?.logChange(key, value, Date.now());
  }

  private async entries(): Promise<[Buffer, KeyValue<K, V>][]> {
    const merged = new Map<string, { key: Buffer; value: Buffer | null }>(this.committed);
    for (const [k, e] of this.buffer) merged.set(k, e);
    return [...merged.values()]
      .filter((e): e is { key: Buffer; value: Buffer } => e.value !== null)
      .sort((a, b) => Buffer.compare(a.key, b.key))
      .map((e) => [
        e.key,
        {
          key: this.keySerde.deserialize(this.name, e.key),
          value: this.valueSerde.deserialize(this.name, e.value),
        },
      ]);
  }
}

export function memoryStoreBuilder<K, V>(
  name: string,
  keySerde: Serde<K>,
  valueSerde: Serde<V>,
  options: { logging?: boolean } = {},
): StoreBuilder<KeyValueStore<K, V>> & { built: MemoryKeyValueStore<K, V>[] } {
  const built: MemoryKeyValueStore<K, V>[] = [];
  return {
    name,
    loggingEnabled: options.logging ?? true,
    logConfig: {},
    built,
    build() {
      const store = new MemoryKeyValueStore(name, keySerde, valueSerde);
      built.push(store);
      return store;
    },
  };
}

/**
 * Key-value stores are the tiny test store above; window and session stores are the real in-memory
 * ones (segmented layout, all layers), which the windowed operators need.
 */
export const memoryDslStoreSuppliers: DslStoreSuppliers = {
  keyValueStore: (params) =>
    memoryStoreBuilder(params.name, params.keySerde, params.valueSerde, { logging: params.loggingEnabled }),
  windowStore: (params) => {
    const builder = Stores.windowStoreBuilder(
      Stores.inMemoryWindowStore(params.name),
      params.keySerde,
      params.valueSerde,
      params.retentionMs,
      { segmentIntervalMs: params.segmentIntervalMs },
    );
    return params.loggingEnabled ? builder : builder.withLoggingDisabled();
  },
  sessionStore: (params) => {
    const builder = Stores.sessionStoreBuilder(
      Stores.inMemorySessionStore(params.name),
      params.keySerde,
      params.valueSerde,
      params.retentionMs,
      { segmentIntervalMs: params.segmentIntervalMs },
    );
    return params.loggingEnabled ? builder : builder.withLoggingDisabled();
  },
};
