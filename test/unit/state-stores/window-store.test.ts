import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  Stores,
  type ChangelogRecord,
  type StateStoreContext,
  type WindowStore,
} from '../../../state-stores/index.ts';
import { Serdes } from '../../../topology/index.ts';

const kinds = [
  ['rocksdb', (name: string) => Stores.persistentWindowStore(name)],
  ['in-memory', (name: string) => Stores.inMemoryWindowStore(name)],
] as const;

describe.each(kinds)('%s window store', (_kind, supplier) => {
  let dir: string;
  let logged: ChangelogRecord[];
  let store: WindowStore<string, number>;

  function context(stateDir: string): StateStoreContext {
    return {
      applicationId: 'app',
      taskId: '0_0',
      stateDir,
      changelog: { topic: 'app-w-changelog', partition: 0 },
      logChange: (key, value) => void logged.push({ key, value, offset: BigInt(logged.length) }),
    };
  }

  /** Segments of 10 s: the tests below cross several. */
  async function open(stateDir = dir): Promise<WindowStore<string, number>> {
    const s = Stores.windowStoreBuilder(supplier('w'), Serdes.String(), Serdes.Long(), 60_000, {
      segmentIntervalMs: 10_000,
    }).build();
    await s.init(context(stateDir));
    return s;
  }

  const all = async (s: WindowStore<string, number>) =>
    (await s.fetchAll(0, Number.MAX_SAFE_INTEGER)).map((e) => `${e.key}@${e.windowStartMs}=${e.value}`);

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'window-'));
    logged = [];
    store = await open();
  });
  afterEach(async () => {
    if (store.isOpen()) await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('fetches one window, a key over a time range in order, and all keys over a range', async () => {
    await store.put('a', 1, 0);
    await store.put('a', 2, 10_000);
    await store.put('a', 3, 20_000);
    await store.put('ab', 9, 10_000); // a longer key with the same prefix stays apart
    await store.commit(4n);
    expect(await store.fetch('a', 10_000)).toBe(2);
    expect(await store.fetch('a', 10_001)).toBeUndefined();
    expect(await store.fetchRange('a', 5_000, 20_000)).toEqual([
      { windowStartMs: 10_000, value: 2 },
      { windowStartMs: 20_000, value: 3 },
    ]);
    expect(
      (await store.fetchAll(10_000, 10_000)).map((e) => `${e.key}@${e.windowStartMs}=${e.value}`).sort(),
    ).toEqual(['a@10000=2', 'ab@10000=9']);
    expect(logged).toHaveLength(4);
  });

  it('a per-key fetch over many segments reads the non-empty ones, in time order', async () => {
    for (const start of [0, 30_000, 500_000, 9_000_000]) await store.put('k', start / 1_000, start);
    await store.put('other', 1, 500_000);
    expect(await store.fetchRange('k', 0, Number.MAX_SAFE_INTEGER)).toEqual([
      { windowStartMs: 0, value: 0 },
      { windowStartMs: 30_000, value: 30 },
      { windowStartMs: 500_000, value: 500 },
      { windowStartMs: 9_000_000, value: 9_000 },
    ]);
    expect((await store.fetchRange('k', 1, 600_000)).map((e) => e.windowStartMs)).toEqual([30_000, 500_000]);
  });

  it('expire deletes exactly the windows before the bound, logs the deletes, and drops later writes there', async () => {
    await store.put('a', 1, 0);
    await store.put('a', 2, 10_000);
    await store.put('b', 3, 15_000);
    await store.put('b', 4, 25_000);
    await store.commit(4n);
    await store.expire(15_000); // segment 0 whole, segment 1 in part
    expect(await all(store)).toEqual(['b@15000=3', 'b@25000=4']);
    expect(logged.slice(4).map((r) => r.value)).toEqual([null, null]);
    await store.put('a', 5, 12_000); // expired: dropped, as Kafka Streams' segmented stores
    expect(await store.fetch('a', 12_000)).toBeUndefined();
    expect(await store.fetchRange('a', 0, 100_000)).toEqual([]);
    await store.put('b', null, 15_000); // a null put deletes
    expect(await all(store)).toEqual(['b@25000=4']);
  });

  it('abort brings back what an uncommitted expire deleted', async () => {
    await store.put('a', 1, 0);
    await store.put('a', 2, 20_000);
    await store.commit(2n);
    await store.expire(20_000);
    expect(await all(store)).toEqual(['a@20000=2']);
    await store.abort();
    expect(await all(store)).toEqual(['a@0=1', 'a@20000=2']);
    await store.expire(20_000);
    await store.commit(3n);
    expect(await all(store)).toEqual(['a@20000=2']);
  });

  it('restores from its changelog, expiry included', async () => {
    await store.put('a', 1, 0);
    await store.put('b', 2, 10_000);
    await store.put('c', 3, 30_000);
    await store.expire(10_001);
    await store.put('c', 4, 30_000);
    await store.commit(BigInt(logged.length));
    const fresh = await open(join(dir, 'fresh'));
    await fresh.restore(logged, BigInt(logged.length));
    expect(await all(fresh)).toEqual(['c@30000=4']);
    expect(await all(fresh)).toEqual(await all(store));
    await fresh.close();
  });

  it('window changelogs are compacted and time-bounded, a day past retention (as Kafka Streams)', () => {
    expect(
      Stores.windowStoreBuilder(supplier('x'), Serdes.String(), Serdes.Long(), 60_000).logConfig,
    ).toMatchObject({
      'cleanup.policy': 'compact,delete',
      'retention.ms': String(60_000 + 86_400_000),
    });
  });
});

test('a RocksDB window store keeps its committed windows across a reopen', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'window-reopen-'));
  const context: StateStoreContext = {
    applicationId: 'app',
    taskId: '0_0',
    stateDir: dir,
    changelog: null,
    logChange: () => undefined,
  };
  const build = () =>
    Stores.windowStoreBuilder(
      Stores.persistentWindowStore('w'),
      Serdes.String(),
      Serdes.Long(),
      60_000,
    ).build();
  const first = build();
  await first.init(context);
  await first.put('a', 1, 100);
  await first.put('a', 2, 200);
  await first.expire(150);
  await first.commit(null);
  await first.close();
  const second = build();
  await second.init(context);
  expect(await second.fetchAll(0, 1_000)).toEqual([{ key: 'a', windowStartMs: 200, value: 2 }]);
  await second.close();
  rmSync(dir, { recursive: true, force: true });
});
