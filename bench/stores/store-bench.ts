/**
 * Key-value store micro-benchmark: put / get / range ops per second for the raw bindings
 * (@nxtedition/rocksdb, rocksdb-native) and for our layered stores (metered → change-logging →
 * transactional buffer → RocksDB or memory), which is what processors actually pay.
 *
 *   node bench/stores/store-bench.ts [--ops 100000]
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { RocksLevel } from '@nxtedition/rocksdb';
import RocksDBNative from 'rocksdb-native';
import { Stores, type KeyValueStore } from '../../state-stores/index.ts';
import { Serdes } from '../../topology/index.ts';

const { values } = parseArgs({
  options: { ops: { type: 'string', default: '100000' }, help: { type: 'boolean', default: false } },
});
if (values.help) {
  process.stdout.write('Usage: node bench/stores/store-bench.ts [--ops 100000]\n');
  process.exit(0);
}
const OPS = Number(values.ops);
/** Puts are committed in batches of this many, as the runtime commits one transaction per poll batch. */
const BATCH = 1000;
const RANGE = 100;
const key = (i: number) => Buffer.from(`key-${String(i).padStart(9, '0')}`);
const value = Buffer.alloc(100, 7);
const log = (line: string) => process.stderr.write(`[bench] ${line}\n`);

interface Result {
  name: string;
  put: number;
  get: number;
  range: number;
}

async function time(ops: number, work: () => Promise<void>): Promise<number> {
  const started = performance.now();
  await work();
  return Math.round(ops / ((performance.now() - started) / 1000));
}

async function nxtedition(dir: string): Promise<Result> {
  const db = new RocksLevel<Buffer, Buffer>(join(dir, 'nxt'), {
    keyEncoding: 'buffer',
    valueEncoding: 'buffer',
  });
  await db.open();
  const put = await time(OPS, async () => {
    for (let i = 0; i < OPS; i += BATCH) {
      await db.batch(
        Array.from({ length: BATCH }, (_, j) => ({ type: 'put' as const, key: key(i + j), value })),
      );
    }
  });
  const get = await time(OPS, async () => {
    for (let i = 0; i < OPS; i++) await db.getMany([key((i * 7919) % OPS)]);
  });
  const ranges = OPS / RANGE;
  const range = await time(ranges, async () => {
    for (let i = 0; i < ranges; i++)
      await db.iterator({ gte: key(i * RANGE), lt: key(i * RANGE + RANGE) }).all();
  });
  await db.close();
  return { name: '@nxtedition/rocksdb (raw)', put, get, range: range * RANGE };
}

async function native(dir: string): Promise<Result> {
  const db = new RocksDBNative(join(dir, 'native'));
  await db.ready();
  const put = await time(OPS, async () => {
    for (let i = 0; i < OPS; i += BATCH) {
      const batch = db.write();
      for (let j = 0; j < BATCH; j++) batch.put(key(i + j), value);
      await batch.flush();
    }
  });
  const get = await time(OPS, async () => {
    for (let i = 0; i < OPS; i++) {
      const read = db.read();
      const result = read.get(key((i * 7919) % OPS));
      read.tryFlush();
      await result;
    }
  });
  const ranges = OPS / RANGE;
  const range = await time(ranges, async () => {
    for (let i = 0; i < ranges; i++) {
      for await (const _entry of db.iterator({ gte: key(i * RANGE), lt: key(i * RANGE + RANGE) }))
        void _entry;
    }
  });
  return { name: 'rocksdb-native (raw)', put, get, range: range * RANGE };
}

async function layered(dir: string, persistent: boolean): Promise<Result> {
  const supplier = persistent
    ? Stores.persistentKeyValueStore('bench')
    : Stores.inMemoryKeyValueStore('bench');
  const store: KeyValueStore<Buffer, Buffer> = Stores.keyValueStoreBuilder(
    supplier,
    Serdes.Buffer(),
    Serdes.Buffer(),
  ).build();
  let logged = 0;
  await store.init({
    applicationId: 'bench',
    taskId: '0_0',
    stateDir: join(dir, persistent ? 'layered-rocks' : 'layered-mem'),
    changelog: { topic: 'c', partition: 0 },
    logChange: () => void logged++,
  });
  let offset = 0n;
  const put = await time(OPS, async () => {
    for (let i = 0; i < OPS; i += BATCH) {
      for (let j = 0; j < BATCH; j++) await store.put(key(i + j), value);
      await store.commit((offset += BigInt(BATCH)));
    }
  });
  const get = await time(OPS, async () => {
    for (let i = 0; i < OPS; i++) await store.get(key((i * 7919) % OPS));
  });
  const ranges = OPS / RANGE;
  const range = await time(ranges, async () => {
    for (let i = 0; i < ranges; i++) await store.range(key(i * RANGE), key(i * RANGE + RANGE - 1));
  });
  await store.close();
  if (logged !== OPS) throw new Error(`changelog saw ${logged} writes, expected ${OPS}`);
  return {
    name: persistent ? 'layered store on @nxtedition/rocksdb' : 'layered store in memory',
    put,
    get,
    range: range * RANGE,
  };
}

const dir = mkdtempSync(join(tmpdir(), 'store-bench-'));
const results: Result[] = [];
for (const [name, run] of [
  ['@nxtedition/rocksdb raw', () => nxtedition(dir)],
  ['rocksdb-native raw', () => native(dir)],
  ['layered RocksDB', () => layered(dir, true)],
  ['layered in-memory', () => layered(dir, false)],
] as const) {
  log(`${name}: ${OPS} puts, ${OPS} gets, ${OPS / RANGE} range scans of ${RANGE}…`);
  results.push(await run());
}
rmSync(dir, { recursive: true, force: true });
const fmt = (n: number) => n.toLocaleString('en-US');
process.stdout.write(
  `| store | put ops/s (batches of ${BATCH}) | get ops/s | range entries/s |\n|---|---|---|---|\n` +
    results.map((r) => `| ${r.name} | ${fmt(r.put)} | ${fmt(r.get)} | ${fmt(r.range)} |`).join('\n') +
    '\n',
);
// rocksdb-native keeps a handle open that close() does not release promptly; the figures are out.
process.exit(0);
