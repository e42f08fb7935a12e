import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Stores, type StateStoreContext, type WindowStore } from '../../../state-stores/index.ts';
import { Serdes } from '../../../topology/index.ts';

describe.each([
  ['rocksdb', (name: string) => Stores.persistentWindowStore(name)],
  ['in-memory', (name: string) => Stores.inMemoryWindowStore(name)],
] as const)('%s window store', (_kind, supplier) => {
  let dir: string;
  let logged: number;
  let store: WindowStore<string, number>;

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'window-'));
    logged = 0;
    store = Stores.windowStoreBuilder(supplier('w'), Serdes.String(), Serdes.Long(), 60_000).build();
    const context: StateStoreContext = {
      applicationId: 'app',
      taskId: '0_0',
      stateDir: dir,
      changelog: { topic: 'app-w-changelog', partition: 0 },
      logChange: () => void logged++,
    };
    await store.init(context);
  });
  afterEach(async () => {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('fetches one window, a key over a time range in order, and all keys over a range', async () => {
    await store.put('a', 1, 0);
    await store.put('a', 2, 10_000);
    await store.put('a', 3, 20_000);
    await store.put('ab', 9, 10_000); // a longer key with the same prefix stays apart
    await store.commit(4n);
    expect(await store.fetch('a', 10_000)).toBe(2);
    expect(await store.fetchRange('a', 5_000, 20_000)).toEqual([
      { windowStartMs: 10_000, value: 2 },
      { windowStartMs: 20_000, value: 3 },
    ]);
    expect(
      (await store.fetchAll(10_000, 10_000)).map((e) => `${e.key}@${e.windowStartMs}=${e.value}`).sort(),
    ).toEqual(['a@10000=2', 'ab@10000=9']);
    expect(logged).toBe(4);
  });

  it('expire drops windows that start before the bound; a null put deletes', async () => {
    await store.put('a', 1, 0);
    await store.put('a', 2, 10_000);
    await store.put('b', 3, 10_000);
    await store.expire(5_000);
    await store.put('b', null, 10_000);
    expect(await store.fetchAll(0, 100_000)).toEqual([{ key: 'a', windowStartMs: 10_000, value: 2 }]);
  });

  it('window changelogs are compacted and time-bounded', () => {
    expect(
      Stores.windowStoreBuilder(supplier('x'), Serdes.String(), Serdes.Long(), 60_000).logConfig,
    ).toMatchObject({
      'cleanup.policy': 'compact,delete',
      'retention.ms': '60000',
    });
  });
});
