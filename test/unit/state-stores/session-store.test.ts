import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  Stores,
  type ChangelogRecord,
  type KeyValueBytesStoreSupplier,
  type SessionStore,
  type StateStoreContext,
} from '../../../state-stores/index.ts';
import { Serdes } from '../../../topology/index.ts';

const kinds = [
  ['rocksdb', (name: string) => Stores.persistentSessionStore(name)],
  ['in-memory', (name: string) => Stores.inMemorySessionStore(name)],
] as const;

const session = (key: string, start: number, end: number) => ({ key, window: { start, end } });

describe.each(kinds)('%s session store', (_kind, supplier) => {
  let dir: string;
  let logged: ChangelogRecord[];
  let store: SessionStore<string, number>;

  async function open(stateDir = dir): Promise<SessionStore<string, number>> {
    // Segments of 1 s, so the tests cross several.
    const s = Stores.sessionStoreBuilder(supplier('s'), Serdes.String(), Serdes.Long(), 5_000, {
      segmentIntervalMs: 1_000,
    }).build();
    await s.init({
      applicationId: 'app',
      taskId: '0_0',
      stateDir,
      changelog: { topic: 'app-s-changelog', partition: 0 },
      logChange: (key, value) => void logged.push({ key, value, offset: BigInt(logged.length) }),
    } satisfies StateStoreContext);
    return s;
  }

  const found = async (
    s: SessionStore<string, number>,
    key: string,
    earliestEnd: number,
    latestStart: number,
  ) =>
    (await s.findSessions(key, earliestEnd, latestStart)).map(
      (e) => `${e.key.key}[${e.key.window.start},${e.key.window.end}]=${e.value}`,
    );

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'session-'));
    logged = [];
    store = await open();
  });
  afterEach(async () => {
    if (store.isOpen()) await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('finds the sessions of a key that end after and start before the bounds, by end', async () => {
    await store.put(session('u', 100, 900), 1);
    await store.put(session('u', 2_000, 2_500), 2);
    await store.put(session('u', 2_600, 7_400), 3); // ends segments later
    await store.put(session('uu', 2_000, 2_100), 9); // a longer key, same prefix
    await store.put(session('v', 2_000, 2_100), 8);
    await store.commit(5n);
    expect(await found(store, 'u', 0, Number.MAX_SAFE_INTEGER)).toEqual([
      'u[100,900]=1',
      'u[2000,2500]=2',
      'u[2600,7400]=3',
    ]);
    expect(await found(store, 'u', 901, 2_600)).toEqual(['u[2000,2500]=2', 'u[2600,7400]=3']);
    expect(await found(store, 'u', 901, 2_599)).toEqual(['u[2000,2500]=2']);
    expect(await found(store, 'u', -5_000, 50)).toEqual([]);
    expect(await store.fetchSession('u', 2_000, 2_500)).toBe(2);
    expect(await store.fetchSession('u', 2_000, 2_501)).toBeUndefined();
  });

  it('findSessionsEndingIn: every key, ends in the range, by end, start, then key bytes', async () => {
    await store.put(session('v', 900, 1_500), 1);
    await store.put(session('u', 1_200, 1_500), 2); // same end, later start
    await store.put(session('uu', 900, 1_500), 3); // same end and start as u and v: key bytes order
    await store.put(session('u', 900, 1_500), 4);
    await store.put(session('w', 100, 999), 5); // segment 0
    await store.put(session('a', 2_000, 2_000), 6); // past the range
    await store.commit(6n);
    await store.put(session('b', 1_000, 1_000), 7); // uncommitted, still seen
    const ending = async (from: number, to: number) =>
      (await store.findSessionsEndingIn(from, to)).map(
        (e) => `${e.key.key}[${e.key.window.start},${e.key.window.end}]=${e.value}`,
      );
    expect(await ending(999, 1_999)).toEqual([
      'w[100,999]=5',
      'b[1000,1000]=7',
      'u[900,1500]=4',
      'uu[900,1500]=3',
      'v[900,1500]=1',
      'u[1200,1500]=2',
    ]);
    expect(await ending(1_000, 1_499)).toEqual(['b[1000,1000]=7']);
    expect(await ending(2_000, 2_000)).toEqual(['a[2000,2000]=6']);
    await store.expire(1_000); // segment 0 goes
    expect(await ending(0, 1_000)).toEqual(['b[1000,1000]=7']);
  });

  it('findSessionsEndingIn reads only the segments covering the range', async () => {
    let scanned = 0;
    const inner = supplier('counted');
    // Counts the entries the store reads from its innermost bytes.
    const counted: KeyValueBytesStoreSupplier = {
      name: inner.name,
      persistent: inner.persistent,
      get(context) {
        const bytes = inner.get(context);
        const scan = bytes.scan.bind(bytes);
        bytes.scan = async (range) => {
          const entries = await scan(range);
          scanned += entries.length;
          return entries;
        };
        return bytes;
      },
    };
    const s = Stores.sessionStoreBuilder(counted, Serdes.String(), Serdes.Long(), 5_000, {
      segmentIntervalMs: 1_000,
    }).build();
    await s.init({
      applicationId: 'app',
      taskId: '0_0',
      stateDir: join(dir, 'counted'),
      changelog: null,
      logChange: () => undefined,
    });
    for (let end = 0; end < 5_000; end += 50) await s.put(session(`k${end}`, end, end), 1);
    await s.commit(null);
    scanned = 0;
    expect(await s.findSessionsEndingIn(2_000, 2_999)).toHaveLength(20);
    expect(scanned).toBe(20); // segment 2 only, of 5
    scanned = 0;
    expect(await s.findSessionsEndingIn(2_400, 2_449)).toHaveLength(1);
    expect(scanned).toBe(20);
    await s.close();
  });

  it('remove deletes one session, seen before commit and after', async () => {
    await store.put(session('u', 100, 200), 1);
    await store.put(session('u', 300, 400), 2);
    await store.remove(session('u', 100, 200));
    expect(await found(store, 'u', 0, 1_000)).toEqual(['u[300,400]=2']);
    await store.commit(3n);
    expect(await found(store, 'u', 0, 1_000)).toEqual(['u[300,400]=2']);
    expect(logged.map((r) => r.value === null)).toEqual([false, false, true]);
  });

  it('expire drops whole segments only, logs the deletes, and later writes there are dropped', async () => {
    await store.put(session('u', 100, 500), 1);
    await store.put(session('u', 1_200, 1_900), 2);
    await store.put(session('u', 2_100, 2_200), 3);
    await store.commit(3n);
    await store.expire(1_500); // segment 0 goes; segment 1 (1000..1999) stays whole
    expect(await found(store, 'u', 0, 10_000)).toEqual(['u[1200,1900]=2', 'u[2100,2200]=3']);
    await store.expire(2_000);
    expect(await found(store, 'u', 0, 10_000)).toEqual(['u[2100,2200]=3']);
    expect(logged.slice(3).map((r) => r.value)).toEqual([null, null]);
    await store.put(session('u', 1_000, 1_100), 7);
    expect(await store.fetchSession('u', 1_000, 1_100)).toBeUndefined();
    await store.abort();
    expect(await found(store, 'u', 0, 10_000)).toEqual(['u[100,500]=1', 'u[1200,1900]=2', 'u[2100,2200]=3']);
  });

  it('restores from its changelog', async () => {
    await store.put(session('u', 100, 500), 1);
    await store.put(session('u', 2_100, 2_200), 3);
    await store.expire(2_000);
    await store.remove(session('u', 2_100, 2_200));
    await store.put(session('u', 2_100, 2_300), 4);
    await store.commit(BigInt(logged.length));
    const fresh = await open(join(dir, 'fresh'));
    await fresh.restore(logged, BigInt(logged.length));
    expect(await found(fresh, 'u', 0, 10_000)).toEqual(['u[2100,2300]=4']);
    await fresh.close();
  });

  it('session changelogs are compacted and time-bounded, a day past retention', () => {
    expect(
      Stores.sessionStoreBuilder(supplier('x'), Serdes.String(), Serdes.Long(), 5_000).logConfig,
    ).toMatchObject({ 'cleanup.policy': 'compact,delete', 'retention.ms': String(5_000 + 86_400_000) });
  });
});
