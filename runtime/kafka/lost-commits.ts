import type { ProducedRecord, TopicPartition } from '../ports/ports.ts';
import { tpKey } from '../ports/ports.ts';
import type { OwnRecord } from './hanging-transactions.ts';

/**
 * What to do, before an abort is sent, with a transaction of ours that a partition still holds
 * open although it began as a committed one (its COMMIT marker was lost, see
 * hanging-transactions.ts):
 * - `commit`: the open data is our committed writes only (or others' records follow them, which
 *   our markers do not touch): write the lost COMMIT marker now, so the abort cannot take them;
 * - `rewrite`: our committed writes are followed by writes of the failed transaction the abort is
 *   for, in the same open transaction. No marker can end the two differently: read the committed
 *   writes back, let the abort take both, and write them again in a new transaction (ours alone
 *   are in it, read_committed readers never saw them, so they are delivered once);
 * - `leave`: the open data does not begin with committed writes of ours: the abort is right.
 */
export type LostCommitPlan =
  | { readonly action: 'commit' }
  | { readonly action: 'rewrite'; readonly committedEnd: bigint }
  | { readonly action: 'leave' };

/**
 * The plan for one open transaction. `committedRunEnd`: the last offset of our committed writes
 * that begin at its start offset (null: none do); `logEnd`: the partition's high watermark;
 * `ownWritesAfter`: whether we wrote anything between the run and the log end (asked only when
 * something lies there).
 */
export async function planLostCommit(
  committedRunEnd: bigint | null,
  logEnd: bigint,
  ownWritesAfter: (from: bigint, to: bigint) => Promise<boolean>,
): Promise<LostCommitPlan> {
  if (committedRunEnd === null) return { action: 'leave' };
  if (logEnd <= committedRunEnd + 1n) return { action: 'commit' };
  return (await ownWritesAfter(committedRunEnd + 1n, logEnd))
    ? { action: 'rewrite', committedEnd: committedRunEnd }
    : { action: 'commit' };
}

/**
 * Committed writes an abort is about to take (plan `rewrite`), kept until a new transaction has
 * written them again. Read back more than once (the repair is retried while the broker is away),
 * a record is kept once: by partition and offset.
 */
export class LostCommits {
  private readonly byPartition = new Map<string, Map<bigint, ProducedRecord>>();

  keep(records: readonly OwnRecord[]): void {
    for (const { offset, record } of records) {
      const key = tpKey(record);
      const kept = this.byPartition.get(key) ?? new Map<bigint, ProducedRecord>();
      kept.set(offset, record);
      this.byPartition.set(key, kept);
    }
  }

  get size(): number {
    let count = 0;
    for (const kept of this.byPartition.values()) count += kept.size;
    return count;
  }

  partitions(): TopicPartition[] {
    return [...this.byPartition.values()].flatMap((kept) => {
      const first = kept.values().next().value;
      return first ? [{ topic: first.topic, partition: first.partition }] : [];
    });
  }

  /** Every kept record, each partition's in the order they were first written. */
  records(): ProducedRecord[] {
    return [...this.byPartition.values()].flatMap((kept) =>
      [...kept].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, record]) => record),
    );
  }

  clear(): void {
    this.byPartition.clear();
  }
}
