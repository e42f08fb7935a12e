import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Stores, type KeyValueStore, type StateStoreContext } from '../../../state-stores/index.ts';
import { Serdes } from '../../../topology/index.ts';

/**
 * The record cache (Kafka Streams' caching layer) in front of a changelogged store: repeated
 * updates of a key reach the changelog once per commit, reads of cached keys do not go down, a
 * full cache writes its least recently used entries down, and an abort forgets everything cached.
 */
interface Logged {
  key: string;
  value: string | null;
}

const kinds = [
  ['rocksdb', (name: string) => Stores.persistentKeyValueStore(name)],
  ['in-memory', (name: string) => Stores.inMemoryKeyValueStore(name)],
] as const;

describe.each(kinds)('%s store with caching enabled', (_kind, supplier) => {
  let dir: string;
  let log: Logged[];
  let store: KeyValueStore<string, string>;

  async function open(cacheMaxBytes: number): Promise<KeyValueStore<string, string>> {
    const context: StateStoreContext = {
      applicationId: 'app',
      taskId: '0_0',
      stateDir: dir,
      cacheMaxBytes,
      changelog: { topic: 'app-s-changelog', partition: 0 },
      logChange: (key, value) => log.push({ key: key.toString(), value: value?.toString() ?? null }),
    };
    const s = Stores.keyValueStoreBuilder(supplier('s'), Serdes.String(), Serdes.String())
      .withCachingEnabled()
      .build();
    await s.init(context);
    return s;
  }

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'cache-'));
    log = [];
  });
  afterEach(async () => {
    if (store?.isOpen()) await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('logs each key once per commit, with its last value, however often it was updated', async () => {
    store = await open(1_048_576);
    for (let i = 0; i < 1000; i++) await store.put(`k${i % 10}`, `v${i}`);
    expect(log).toEqual([]);
    await store.flush();
    expect(log).toHaveLength(10);
    expect(log.find((l) => l.key === 'k3')).toEqual({ key: 'k3', value: 'v993' });
    await store.commit(10n);
    expect(await store.get('k9')).toBe('v999');
    expect(log).toHaveLength(10);
  });

  it('a delete is logged once as a tombstone and hides the committed value', async () => {
    store = await open(1_048_576);
    await store.put('a', '1');
    await store.flush();
    await store.commit(1n);
    log = [];
    await store.put('a', '2');
    await store.delete('a');
    expect(await store.get('a')).toBeUndefined();
    await store.flush();
    expect(log).toEqual([{ key: 'a', value: null }]);
    await store.commit(2n);
    expect(await store.get('a')).toBeUndefined();
  });

  it('scans see cached writes merged with the store in key order', async () => {
    store = await open(1_048_576);
    await store.put('b', 'old');
    await store.flush();
    await store.commit(1n);
    await store.put('a', '1');
    await store.put('b', 'new');
    await store.put('c', '3');
    expect(await store.all()).toEqual([
      { key: 'a', value: '1' },
      { key: 'b', value: 'new' },
      { key: 'c', value: '3' },
    ]);
    expect(await store.range('b', 'c')).toEqual([
      { key: 'b', value: 'new' },
      { key: 'c', value: '3' },
    ]);
  });

  it('a full cache writes its least recently used dirty entries down before the commit', async () => {
    // Room for a few entries only (64 bytes of overhead each): most writes are evicted at once.
    store = await open(300);
    for (let i = 0; i < 20; i++) await store.put(`key-${i}`, `value-${i}`);
    expect(log.length).toBeGreaterThan(10);
    expect(log.length).toBeLessThan(20);
    expect(log[0]).toEqual({ key: 'key-0', value: 'value-0' });
    await store.flush();
    expect(log.map((l) => l.key).sort()).toEqual(Array.from({ length: 20 }, (_, i) => `key-${i}`).sort());
    await store.commit(20n);
    for (let i = 0; i < 20; i++) expect(await store.get(`key-${i}`)).toBe(`value-${i}`);
  });

  it('an abort forgets cached writes, also those a full cache already wrote down', async () => {
    store = await open(300);
    await store.put('kept', 'committed');
    await store.flush();
    await store.commit(1n);
    for (let i = 0; i < 20; i++) await store.put(`key-${i}`, `aborted-${i}`);
    await store.put('kept', 'aborted');
    await store.abort();
    expect(await store.get('kept')).toBe('committed');
    for (let i = 0; i < 20; i++) expect(await store.get(`key-${i}`)).toBeUndefined();
  });

  it('prefetch loads the keys of the next records in one read; the gets that follow are hits', async () => {
    store = await open(1_048_576);
    for (let i = 0; i < 10; i++) await store.put(`k${i}`, `v${i}`);
    await store.flush();
    await store.commit(10n);
    await store.abort(); // empties the cache: the values are only below it now
    const serde = Serdes.String();
    await store.prefetch?.(['k1', 'k2', 'missing'].map((k) => serde.serialize('s', k)));
    const stats = (store as unknown as { cacheStats(): { hits: number; misses: number } }).cacheStats();
    const before = { ...stats };
    expect(await store.get('k1')).toBe('v1');
    expect(await store.get('k2')).toBe('v2');
    expect(await store.get('missing')).toBeUndefined();
    expect([stats.hits - before.hits, stats.misses - before.misses]).toEqual([3, 0]);
    // A write after the prefetch wins over what was prefetched.
    await store.put('k1', 'new');
    await store.prefetch?.([serde.serialize('s', 'k1')]);
    expect(await store.get('k1')).toBe('new');
  });

  it('restoration replaces what the cache held', async () => {
    store = await open(1_048_576);
    await store.put('a', 'cached');
    await store.abort();
    expect(await store.get('a')).toBeUndefined(); // now cached as absent
    await store.restore([{ key: Buffer.from('a'), value: Buffer.from('restored'), offset: 0n }], 1n);
    expect(await store.get('a')).toBe('restored');
  });
});

test('a cache budget of 0 turns the cache off: every write is logged at once', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'cache-off-'));
  const log: string[] = [];
  const store = Stores.keyValueStoreBuilder(
    Stores.inMemoryKeyValueStore('s'),
    Serdes.String(),
    Serdes.String(),
  )
    .withCachingEnabled()
    .build();
  await store.init({
    applicationId: 'app',
    taskId: '0_0',
    stateDir: dir,
    cacheMaxBytes: 0,
    changelog: { topic: 'app-s-changelog', partition: 0 },
    logChange: (key) => log.push(key.toString()),
  });
  await store.put('a', '1');
  await store.put('a', '2');
  expect(log).toEqual(['a', 'a']);
  await store.close();
  rmSync(dir, { recursive: true, force: true });
});
