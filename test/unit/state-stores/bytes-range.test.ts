import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { BytesStore } from '../../../state-stores/internals/bytes.ts';
import { InMemoryBytesStore } from '../../../state-stores/internals/in-memory-bytes-store.ts';
import { RocksDbBytesStore } from '../../../state-stores/internals/rocksdb-bytes-store.ts';
import { SortedKeys } from '../../../state-stores/internals/sorted-keys.ts';
import { TransactionalBytesStore } from '../../../state-stores/internals/transactional-bytes-store.ts';

const k = (i: number): Buffer => Buffer.from(String(i).padStart(6, '0'));
const keysOf = (entries: { key: Buffer }[]): string[] => entries.map((e) => e.key.toString());

test('SortedKeys keeps byte order through splits, deletes and emptied chunks', () => {
  const keys = new SortedKeys();
  const expected = new Set<number>();
  // Insert 5000 keys out of order (several chunk splits), then delete every other one and a whole prefix.
  for (let i = 0; i < 5000; i++) {
    const n = (i * 7919) % 5000;
    keys.insert(k(n));
    expected.add(n);
  }
  for (let n = 0; n < 5000; n += 2) expect(keys.delete(k(n))).toBe(true);
  for (let n = 0; n < 5000; n += 2) expected.delete(n);
  for (let n = 1; n < 3001; n += 2) keys.delete(k(n));
  for (let n = 1; n < 3001; n += 2) expected.delete(n);
  expect(keys.delete(k(1))).toBe(false);
  const sorted = [...expected].sort((a, b) => a - b).map((n) => k(n).toString());
  expect(keys.size).toBe(sorted.length);
  expect(keys.range(null, null).map(String)).toEqual(sorted);
  expect(keys.range(k(4000), k(4010)).map(String)).toEqual([
    '004001',
    '004003',
    '004005',
    '004007',
    '004009',
  ]);
  expect(keys.range(k(0), null, 2).map(String)).toEqual(['003001', '003003']);
});

describe.each([
  ['in-memory', (): BytesStore => new InMemoryBytesStore()],
  ['rocksdb', (dir: string): BytesStore => new RocksDbBytesStore(join(dir, 'db'))],
] as const)('%s bytes store range scans', (_kind, make) => {
  let dir: string;
  let inner: BytesStore;
  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'bytes-range-'));
    inner = make(dir);
    await inner.open();
    await inner.write(
      Array.from({ length: 100 }, (_, i) => ({ key: k(i), value: Buffer.from('v') })),
      1n,
    );
  });
  afterEach(async () => {
    await inner.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('reads [from, to) and stops at the limit', async () => {
    expect(keysOf(await inner.scan({ from: k(10), toExclusive: k(13) }))).toEqual([
      '000010',
      '000011',
      '000012',
    ]);
    expect(keysOf(await inner.scan({ from: k(95), toExclusive: null, limit: 2 }))).toEqual([
      '000095',
      '000096',
    ]);
    expect(await inner.scan({ from: k(50), toExclusive: k(40) })).toEqual([]);
  });

  it('through the transaction buffer: pending deletes and puts merge in order, and a limit stays exact', async () => {
    const tx = new TransactionalBytesStore(inner);
    for (let i = 10; i < 20; i++) tx.put(k(i), null); // hides the first inner entries of the range
    tx.put(k(15), Buffer.from('back')); // a delete overwritten by a put
    tx.put(Buffer.from('000010x'), Buffer.from('new')); // a new key between inner ones
    expect(keysOf(await tx.scan({ from: k(10), toExclusive: k(23) }))).toEqual([
      '000010x',
      '000015',
      '000020',
      '000021',
      '000022',
    ]);
    expect(keysOf(await tx.scan({ from: k(10), toExclusive: null, limit: 3 }))).toEqual([
      '000010x',
      '000015',
      '000020',
    ]);
    await tx.commit(2n);
    expect(keysOf(await inner.scan({ from: k(9), toExclusive: k(21) }))).toEqual([
      '000009',
      '000010x',
      '000015',
      '000020',
    ]);
  });
});
