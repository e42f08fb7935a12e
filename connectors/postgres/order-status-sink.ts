import type { Pool, PoolClient } from 'pg';
import { createLogger } from '../../runtime/index.ts';
import { ConfigError } from '../../topology/index.ts';

/** The fields of an `OrderStatusChanged` event the read model keeps (see CONTRACT.md). */
export interface OrderStatusChangedLike {
  orderId: string;
  status: string;
  previousStatus: string | null;
  reason: string | null;
  /** Epoch ms of the transition. */
  at: number;
  /** Epoch ms of the order's creation. */
  createdAt: number;
}

/** One consumed record of the `order-status` topic. */
export interface SinkRecord {
  topic: string;
  partition: number;
  offset: bigint;
  value: OrderStatusChangedLike;
}

export interface ApplyBatchResult {
  /** Records written (before collapsing several transitions of one order into its last). */
  applied: number;
  /** Records at or below the stored offset: already applied by an earlier batch (a replay). */
  skipped: number;
  /** Records whose value is not a usable event: counted, logged, and stepped over. */
  invalid: number;
  /** The stored position after this batch, per partition of the batch. */
  nextOffsets: { topic: string; partition: number; nextOffset: bigint }[];
}

const logger = createLogger('connectors.postgres.order-status-sink');

/**
 * Applies a batch of `order-status` records to `orders_read_model` and advances `sink_offsets`, in
 * ONE transaction. Records at or below the stored offset are skipped, so re-consuming from any
 * earlier Kafka position (a crash before the Kafka commit, a rebalance) changes nothing: the effect
 * is exactly-once even though delivery is at-least-once. Within the batch, the last record of an
 * order in offset order wins. The offset rows are locked for the transaction, so two consumers of
 * the same group that briefly overlap during a rebalance cannot both apply the same records.
 *
 * @example
 * const next = await loadOffsets(pool, 'order-status-sink', 'order-status'); // seek each partition here
 * await applyBatch(pool, 'order-status-sink', polled.map(toSinkRecord));
 */
export async function applyBatch(
  pool: Pool,
  group: string,
  records: readonly SinkRecord[],
): Promise<ApplyBatchResult> {
  if (typeof group !== 'string' || group.length === 0)
    throw new ConfigError('group', group, 'a non-empty string');
  for (const record of records) checkPosition(record);
  if (records.length === 0) return { applied: 0, skipped: 0, invalid: 0, nextOffsets: [] };

  const partitions = distinctPartitions(records);
  const client = await pool.connect();
  let broken: Error | undefined;
  try {
    await client.query('BEGIN');
    try {
      const stored = await lockOffsets(client, group, partitions);
      const { fresh, skipped, next } = selectFresh(records, stored);
      const valid = fresh.filter((record) => isUsable(record.value));
      const invalid = fresh.length - valid.length;
      if (invalid > 0) {
        const bad = fresh
          .filter((record) => !isUsable(record.value))
          .map(({ topic, partition, offset }) => ({ topic, partition, offset: String(offset) }));
        logger.warn(
          { group, invalid, records: bad.slice(0, 10) },
          'skipping order-status records without a usable value',
        );
      }
      await upsertRows(client, lastPerOrder(valid));
      await storeOffsets(client, group, next, stored);
      await client.query('COMMIT');
      return {
        applied: valid.length,
        skipped,
        invalid,
        nextOffsets: partitions.map(({ topic, partition }) => ({
          topic,
          partition,
          nextOffset: next.get(keyOf(topic, partition)) ?? 0n,
        })),
      };
    } catch (error) {
      await client.query('ROLLBACK').catch((rollbackError: unknown) => {
        // The connection is unusable; release(error) below destroys it instead of pooling it.
        broken = rollbackError instanceof Error ? rollbackError : new Error(String(rollbackError));
        logger.error({ err: rollbackError }, 'rollback failed');
      });
      throw error;
    }
  } finally {
    client.release(broken);
  }
}

/** The next offset to consume per partition of `topic` for `group` (partitions never applied are absent). */
export async function loadOffsets(pool: Pool, group: string, topic: string): Promise<Map<number, bigint>> {
  const { rows } = await pool.query<{ partition: number; next_offset: string }>(
    'SELECT "partition", next_offset FROM sink_offsets WHERE consumer_group = $1 AND topic = $2 ORDER BY "partition"',
    [group, topic],
  );
  return new Map(rows.map((row) => [row.partition, BigInt(row.next_offset)]));
}

interface TopicPartition {
  topic: string;
  partition: number;
}

function keyOf(topic: string, partition: number): string {
  return `${partition}\u0000${topic}`;
}

function checkPosition(record: SinkRecord): void {
  if (typeof record.topic !== 'string' || record.topic.length === 0) {
    throw new ConfigError('record.topic', record.topic, 'a non-empty string');
  }
  if (!Number.isInteger(record.partition) || record.partition < 0) {
    throw new ConfigError('record.partition', record.partition, 'an integer >= 0');
  }
  if (typeof record.offset !== 'bigint' || record.offset < 0n) {
    throw new ConfigError('record.offset', String(record.offset), 'a bigint >= 0');
  }
}

/** Sorted, so every transaction locks offset rows in the same order and two sinks cannot deadlock. */
function distinctPartitions(records: readonly SinkRecord[]): TopicPartition[] {
  const seen = new Map<string, TopicPartition>();
  for (const { topic, partition } of records) seen.set(keyOf(topic, partition), { topic, partition });
  return [...seen.values()].sort((a, b) =>
    a.topic < b.topic ? -1 : a.topic > b.topic ? 1 : a.partition - b.partition,
  );
}

/** Creates missing offset rows at 0, then locks all of the batch's rows until commit. */
async function lockOffsets(
  client: PoolClient,
  group: string,
  partitions: TopicPartition[],
): Promise<Map<string, bigint>> {
  const topics = partitions.map((tp) => tp.topic);
  const numbers = partitions.map((tp) => tp.partition);
  await client.query(
    `INSERT INTO sink_offsets (consumer_group, topic, "partition", next_offset)
     SELECT $1, t, p, 0 FROM unnest($2::text[], $3::int[]) AS v(t, p)
     ON CONFLICT DO NOTHING`,
    [group, topics, numbers],
  );
  const { rows } = await client.query<{ topic: string; partition: number; next_offset: string }>(
    `SELECT topic, "partition", next_offset FROM sink_offsets
     WHERE consumer_group = $1 AND (topic, "partition") IN (SELECT t, p FROM unnest($2::text[], $3::int[]) AS v(t, p))
     ORDER BY topic, "partition"
     FOR UPDATE`,
    [group, topics, numbers],
  );
  return new Map(rows.map((row) => [keyOf(row.topic, row.partition), BigInt(row.next_offset)]));
}

/** Drops records already applied (at or below the stored offset, or repeated within the batch). */
function selectFresh(records: readonly SinkRecord[], stored: Map<string, bigint>) {
  const sorted = [...records].sort((a, b) =>
    a.topic !== b.topic
      ? a.topic < b.topic
        ? -1
        : 1
      : a.partition !== b.partition
        ? a.partition - b.partition
        : a.offset < b.offset
          ? -1
          : a.offset > b.offset
            ? 1
            : 0,
  );
  const next = new Map(stored);
  const fresh: SinkRecord[] = [];
  for (const record of sorted) {
    const key = keyOf(record.topic, record.partition);
    if (record.offset < (next.get(key) ?? 0n)) continue;
    fresh.push(record);
    next.set(key, record.offset + 1n);
  }
  return { fresh, skipped: records.length - fresh.length, next };
}

/**
 * `order-status` is keyed by orderId, so all of an order's records sit in one partition and the
 * offset decides. Should one order ever appear in two partitions (a repartitioned topic), the later
 * transition time decides.
 */
function lastPerOrder(records: SinkRecord[]): OrderStatusChangedLike[] {
  const winners = new Map<string, SinkRecord>();
  for (const record of records) {
    const current = winners.get(record.value.orderId);
    const samePartition =
      current !== undefined && current.topic === record.topic && current.partition === record.partition;
    if (
      current === undefined ||
      (samePartition ? record.offset > current.offset : record.value.at >= current.value.at)
    ) {
      winners.set(record.value.orderId, record);
    }
  }
  return [...winners.values()].map((record) => record.value);
}

/** One statement for the whole batch (arrays through unnest), so batch size is not capped by the 65535-parameter limit. */
async function upsertRows(client: PoolClient, rows: OrderStatusChangedLike[]): Promise<void> {
  if (rows.length === 0) return;
  await client.query(
    `INSERT INTO orders_read_model (order_id, status, previous_status, reason, updated_at, created_at)
     SELECT id, st, ps, rs, to_timestamp(ua / 1000.0), to_timestamp(ca / 1000.0)
     FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::float8[], $6::float8[]) AS v(id, st, ps, rs, ua, ca)
     ON CONFLICT (order_id) DO UPDATE
       SET status = EXCLUDED.status,
           previous_status = EXCLUDED.previous_status,
           reason = EXCLUDED.reason,
           updated_at = EXCLUDED.updated_at`,
    [
      rows.map((r) => r.orderId),
      rows.map((r) => r.status),
      rows.map((r) => r.previousStatus ?? null),
      rows.map((r) => r.reason ?? null),
      rows.map((r) => r.at),
      rows.map((r) => r.createdAt),
    ],
  );
}

async function storeOffsets(
  client: PoolClient,
  group: string,
  next: Map<string, bigint>,
  stored: Map<string, bigint>,
): Promise<void> {
  const moved = [...next].filter(([key, offset]) => offset > (stored.get(key) ?? 0n));
  if (moved.length === 0) return;
  const split = moved.map(([key, offset]) => {
    const at = key.indexOf('\u0000');
    return { partition: Number(key.slice(0, at)), topic: key.slice(at + 1), offset: String(offset) };
  });
  await client.query(
    `UPDATE sink_offsets AS s SET next_offset = v.n
     FROM unnest($2::text[], $3::int[], $4::int8[]) AS v(t, p, n)
     WHERE s.consumer_group = $1 AND s.topic = v.t AND s."partition" = v.p AND v.n > s.next_offset`,
    [group, split.map((s) => s.topic), split.map((s) => s.partition), split.map((s) => s.offset)],
  );
}

function isUsable(value: unknown): value is OrderStatusChangedLike {
  if (typeof value !== 'object' || value === null) return false;
  const v = value as Record<string, unknown>;
  const nullableString = (x: unknown) => x === null || x === undefined || typeof x === 'string';
  return (
    typeof v.orderId === 'string' &&
    v.orderId.length > 0 &&
    typeof v.status === 'string' &&
    v.status.length > 0 &&
    nullableString(v.previousStatus) &&
    nullableString(v.reason) &&
    typeof v.at === 'number' &&
    Number.isFinite(v.at) &&
    typeof v.createdAt === 'number' &&
    Number.isFinite(v.createdAt)
  );
}
