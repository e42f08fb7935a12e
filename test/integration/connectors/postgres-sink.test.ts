import { stackConfig } from '../../../stack/config.ts';
import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { migrate } from '../../../connectors/postgres/migrate.ts';
import {
  applyBatch,
  loadOffsets,
  type OrderStatusChangedLike,
  type SinkRecord,
} from '../../../connectors/postgres/order-status-sink.ts';

const DATABASE_URL = stackConfig.databaseUrl;

// Unique per run: the database is shared with other test files and earlier runs.
const run = randomUUID().slice(0, 8);
const topic = `order-status-${run}`;
const T0 = 1_700_000_000_000;

let pool: pg.Pool;

let ready = false;

beforeAll(async () => {
  // The connection timeout turns "database not up" into a quick, clear failure instead of jest's 5 s timeout.
  pool = new pg.Pool({ connectionString: DATABASE_URL, connectionTimeoutMillis: 3_000, max: 4 });
  try {
    await migrate(pool);
  } catch (error) {
    const where = DATABASE_URL.replace(/\/\/[^@]*@/, '//');
    throw new Error(`PostgreSQL is not usable at ${where} (set DATABASE_URL): ${(error as Error).message}`, {
      cause: error,
    });
  }
  ready = true;
});

afterAll(async () => {
  if (ready) {
    await pool.query('DELETE FROM orders_read_model WHERE order_id LIKE $1', [`${run}-%`]);
    await pool.query('DELETE FROM sink_offsets WHERE topic = $1', [topic]);
  }
  await pool.end();
});

function event(
  order: string,
  status: string,
  previousStatus: string | null,
  step: number,
  reason: string | null = null,
): OrderStatusChangedLike {
  return { orderId: `${run}-${order}`, status, previousStatus, reason, at: T0 + step * 1_000, createdAt: T0 };
}

function rec(partition: number, offset: number, value: OrderStatusChangedLike): SinkRecord {
  return { topic, partition, offset: BigInt(offset), value };
}

async function rows(prefixOrders: string[]) {
  const { rows: found } = await pool.query<{
    order_id: string;
    status: string;
    previous_status: string | null;
    reason: string | null;
    updated_at: Date;
    created_at: Date;
  }>('SELECT * FROM orders_read_model WHERE order_id = ANY($1) ORDER BY order_id', [
    prefixOrders.map((o) => `${run}-${o}`),
  ]);
  return new Map(found.map((row) => [row.order_id.slice(run.length + 1), row]));
}

describe('order-status PostgreSQL sink (real database)', () => {
  it('migrations are idempotent', async () => {
    expect(await migrate(pool)).toEqual([]);
  });

  it('applies a batch, then skips its replay and applies only the new records', async () => {
    const group = `sink-${run}-replay`;
    const batch = [
      rec(0, 0, event('a', 'CREATED', null, 0)),
      rec(0, 1, event('a', 'RESERVED', 'CREATED', 1)),
      rec(0, 2, event('b', 'CREATED', null, 2)),
      rec(1, 0, event('c', 'CREATED', null, 0)),
      rec(1, 1, event('c', 'REJECTED', 'CREATED', 1, 'SKU-RED out of stock')),
    ];
    expect(await applyBatch(pool, group, batch)).toEqual({
      applied: 5,
      skipped: 0,
      invalid: 0,
      nextOffsets: [
        { topic, partition: 0, nextOffset: 3n },
        { topic, partition: 1, nextOffset: 2n },
      ],
    });
    let read = await rows(['a', 'b', 'c']);
    expect(read.get('a')).toMatchObject({ status: 'RESERVED', previous_status: 'CREATED', reason: null });
    expect(read.get('b')).toMatchObject({ status: 'CREATED', previous_status: null });
    expect(read.get('c')).toMatchObject({ status: 'REJECTED', reason: 'SKU-RED out of stock' });
    expect(read.get('a')?.updated_at.getTime()).toBe(T0 + 1_000);
    expect(read.get('a')?.created_at.getTime()).toBe(T0);
    expect(await loadOffsets(pool, group, topic)).toEqual(
      new Map([
        [0, 3n],
        [1, 2n],
      ]),
    );

    // Replay from the start (a crash before the Kafka commit) plus what arrived since.
    const replay = [
      ...batch,
      rec(0, 3, event('a', 'PAID', 'RESERVED', 3)),
      rec(0, 4, event('a', 'SHIPPED', 'PAID', 4)),
      rec(1, 2, event('d', 'CREATED', null, 2)),
    ];
    expect(await applyBatch(pool, group, replay)).toMatchObject({ applied: 3, skipped: 5, invalid: 0 });
    read = await rows(['a', 'b', 'c', 'd']);
    expect(read.get('a')).toMatchObject({ status: 'SHIPPED', previous_status: 'PAID' });
    expect(read.get('a')?.updated_at.getTime()).toBe(T0 + 4_000);
    expect(read.get('b')?.status).toBe('CREATED');
    expect(read.get('c')?.status).toBe('REJECTED');
    expect(read.get('d')?.status).toBe('CREATED');
    expect(await loadOffsets(pool, group, topic)).toEqual(
      new Map([
        [0, 5n],
        [1, 3n],
      ]),
    );

    // An old record replayed alone must not move an order backwards.
    expect(await applyBatch(pool, group, [rec(0, 1, event('a', 'RESERVED', 'CREATED', 1))])).toMatchObject({
      applied: 0,
      skipped: 1,
    });
    expect((await rows(['a'])).get('a')?.status).toBe('SHIPPED');
  });

  it('last write wins by offset even when the batch is out of order or repeats a record', async () => {
    const group = `sink-${run}-order`;
    const result = await applyBatch(pool, group, [
      rec(2, 12, event('e', 'PAID', 'RESERVED', 2)),
      rec(2, 10, event('e', 'CREATED', null, 0)),
      rec(2, 11, event('e', 'RESERVED', 'CREATED', 1)),
      rec(2, 12, event('e', 'PAID', 'RESERVED', 2)),
    ]);
    expect(result).toMatchObject({
      applied: 3,
      skipped: 1,
      nextOffsets: [{ topic, partition: 2, nextOffset: 13n }],
    });
    expect((await rows(['e'])).get('e')?.status).toBe('PAID');
  });

  it('keeps groups independent', async () => {
    await applyBatch(pool, `sink-${run}-g1`, [rec(3, 7, event('f', 'CREATED', null, 0))]);
    expect(await loadOffsets(pool, `sink-${run}-g1`, topic)).toEqual(new Map([[3, 8n]]));
    expect(await loadOffsets(pool, `sink-${run}-g2`, topic)).toEqual(new Map());
  });

  it('counts and steps over unusable values, still advancing the offset', async () => {
    const group = `sink-${run}-invalid`;
    const bad = { orderId: '', status: 'PAID' } as unknown as OrderStatusChangedLike;
    const result = await applyBatch(pool, group, [rec(0, 0, bad), rec(0, 1, event('g', 'CREATED', null, 0))]);
    expect(result).toMatchObject({ applied: 1, skipped: 0, invalid: 1 });
    expect(await loadOffsets(pool, group, topic)).toEqual(new Map([[0, 2n]]));
  });

  it('a failing batch changes neither rows nor offsets (one transaction)', async () => {
    const group = `sink-${run}-atomic`;
    await applyBatch(pool, group, [rec(0, 0, event('h', 'CREATED', null, 0))]);
    // Year ~3 million: out of timestamptz range, so the upsert fails after the offset rows were locked.
    const broken = { ...event('i', 'CREATED', null, 0), at: 1e17 };
    await expect(
      applyBatch(pool, group, [rec(0, 1, event('h', 'RESERVED', 'CREATED', 1)), rec(0, 2, broken)]),
    ).rejects.toThrow(/out of range/);
    expect((await rows(['h'])).get('h')?.status).toBe('CREATED');
    expect((await rows(['i'])).has('i')).toBe(false);
    expect(await loadOffsets(pool, group, topic)).toEqual(new Map([[0, 1n]]));
  });

  it('two overlapping consumers of one group apply each record once', async () => {
    const group = `sink-${run}-race`;
    const batch = Array.from({ length: 50 }, (_, i) => rec(4, i, event(`r${i % 10}`, `S${i}`, null, i)));
    const results = await Promise.all([applyBatch(pool, group, batch), applyBatch(pool, group, batch)]);
    expect(results.map((r) => r.applied).sort((a, b) => a - b)).toEqual([0, 50]);
    expect(results.map((r) => r.skipped).sort((a, b) => a - b)).toEqual([0, 50]);
    expect(await loadOffsets(pool, group, topic)).toEqual(new Map([[4, 50n]]));
    expect((await rows(['r0'])).get('r0')?.status).toBe('S40');
  });
});
