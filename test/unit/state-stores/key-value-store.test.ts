import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Stores, type KeyValueStore, type StateStoreContext } from '../../../state-stores/index.ts';
import { Serdes } from '../../../topology/index.ts';

interface Logged {
  key: string;
  value: string | null;
}

function contextFor(stateDir: string, log: Logged[]): StateStoreContext {
  return {
    applicationId: 'app',
    taskId: '0_0',
    stateDir,
    changelog: { topic: 'app-s-changelog', partition: 0 },
    logChange: (key, value) => log.push({ key: key.toString(), value: value?.toString() ?? null }),
  };
}

const kinds = [
  ['rocksdb', (name: string) => Stores.persistentKeyValueStore(name)],
  ['in-memory', (name: string) => Stores.inMemoryKeyValueStore(name)],
] as const;

describe.each(kinds)('%s key-value store through all layers', (_kind, supplier) => {
  let dir: string;
  let log: Logged[];
  let store: KeyValueStore<string, string>;

  async function open(): Promise<KeyValueStore<string, string>> {
    const s = Stores.keyValueStoreBuilder(supplier('s'), Serdes.String(), Serdes.String()).build();
    await s.init(contextFor(dir, log));
    return s;
  }

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'kv-'));
    log = [];
    store = await open();
  });
  afterEach(async () => {
    if (store.isOpen()) await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('reads its own uncommitted writes, and commit makes them durable with the checkpoint', async () => {
    await store.put('a', '1');
    expect(await store.get('a')).toBe('1');
    await store.commit(42n);
    expect(await store.get('a')).toBe('1');
    expect(store.checkpointedOffset()).toBe(42n);
  });

  it('wipe deletes every entry, the pending writes and the checkpoint, for good', async () => {
    await store.put('a', '1');
    await store.commit(5n);
    await store.put('b', '2');
    await store.wipe();
    expect(await store.all()).toEqual([]);
    expect(store.checkpointedOffset()).toBeNull();
    await store.close();
    store = await open();
    expect(await store.get('a')).toBeUndefined();
    expect(store.checkpointedOffset()).toBeNull();
  });

  it('abort drops the write buffer and leaves committed state untouched', async () => {
    await store.put('a', '1');
    await store.commit(1n);
    await store.put('a', 'changed');
    await store.put('b', 'new');
    await store.delete('a');
    await store.abort();
    expect(await store.get('a')).toBe('1');
    expect(await store.get('b')).toBeUndefined();
    expect(store.checkpointedOffset()).toBe(1n);
  });

  it('logs every write to the changelog, deletes as tombstones', async () => {
    await store.put('a', '1');
    await store.delete('a');
    await store.delete('missing');
    expect(log).toEqual([
      { key: 'a', value: '1' },
      { key: 'a', value: null },
    ]);
  });

  it('putIfAbsent, putAll, delete return what Kafka Streams returns', async () => {
    expect(await store.putIfAbsent('k', 'v1')).toBeUndefined();
    expect(await store.putIfAbsent('k', 'v2')).toBe('v1');
    await store.putAll([
      { key: 'x', value: '1' },
      { key: 'y', value: '2' },
    ]);
    expect(await store.delete('x')).toBe('1');
    expect(await store.delete('x')).toBeUndefined();
    expect(await store.get('k')).toBe('v1');
  });

  it('range, prefixScan and all merge pending writes and deletes with committed data in byte order', async () => {
    await store.putAll(['a1', 'a2', 'b1', 'b2', 'c1'].map((key) => ({ key, value: key.toUpperCase() })));
    await store.commit(5n);
    await store.delete('a2');
    await store.put('a3', 'A3');
    await store.put('b1', 'B1*');
    expect((await store.range('a1', 'b1')).map((e) => `${e.key}=${e.value}`)).toEqual([
      'a1=A1',
      'a3=A3',
      'b1=B1*',
    ]);
    expect((await store.prefixScan(Buffer.from('b'))).map((e) => e.key)).toEqual(['b1', 'b2']);
    expect((await store.all()).map((e) => e.key)).toEqual(['a1', 'a3', 'b1', 'b2', 'c1']);
  });

  it('restore writes straight to the inner store and checkpoints', async () => {
    await store.restore(
      [
        { key: Buffer.from('r'), value: Buffer.from('1'), offset: 0n },
        { key: Buffer.from('r'), value: null, offset: 1n },
        { key: Buffer.from('s'), value: Buffer.from('2'), offset: 2n },
      ],
      3n,
    );
    expect(await store.get('r')).toBeUndefined();
    expect(await store.get('s')).toBe('2');
    expect(store.checkpointedOffset()).toBe(3n);
    expect(log).toEqual([]);
  });
});

describe('RocksDB persistence', () => {
  it('finds its data and checkpoint after close and reopen, and never the aborted writes', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kv-reopen-'));
    const build = () =>
      Stores.keyValueStoreBuilder(
        Stores.persistentKeyValueStore('s'),
        Serdes.String(),
        Serdes.String(),
      ).build();
    try {
      const first = build();
      await first.init(contextFor(dir, []));
      await first.put('kept', 'yes');
      await first.commit(7n);
      await first.put('lost', 'aborted');
      await first.abort();
      await first.put('also-lost', 'never committed');
      await first.close();

      const second = build();
      await second.init(contextFor(dir, []));
      expect(second.checkpointedOffset()).toBe(7n);
      expect(await second.get('kept')).toBe('yes');
      expect(await second.get('lost')).toBeUndefined();
      expect(await second.get('also-lost')).toBeUndefined();
      expect(await second.approximateNumEntries()).toBeGreaterThanOrEqual(1);
      await second.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('opening a database another store holds fails with a message naming the path', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kv-lock-'));
    const build = () =>
      Stores.keyValueStoreBuilder(
        Stores.persistentKeyValueStore('s'),
        Serdes.String(),
        Serdes.String(),
      ).build();
    const first = build();
    await first.init(contextFor(dir, []));
    try {
      await expect(build().init(contextFor(dir, []))).rejects.toThrow(new RegExp(join(dir, 'rocksdb', 's')));
    } finally {
      await first.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
