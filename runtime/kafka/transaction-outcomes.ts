import type { TopicPartition } from '../ports/ports.ts';
import { tpKey } from '../ports/ports.ts';

/** Offsets a transaction's acknowledged writes took in one partition. */
interface Landed {
  first: bigint;
  last: bigint;
}

/** The last transaction of one producer epoch, as this process saw it end. */
interface LastTransaction {
  readonly touched: Set<string>;
  /** Acknowledged writes, by partition. */
  readonly landed: Map<string, Landed>;
  offsets: boolean;
  outcome: 'open' | 'committed' | 'aborted' | 'failed';
}

/** Committed transactions' ranges kept per partition and epoch: markers are lost for one or two at a time. */
const RANGES_KEPT = 8;

/** How many epochs are remembered: resets happen once per failure, seconds apart at most. */
const EPOCHS_KEPT = 16;

/**
 * What became of our transactions, per producer epoch, so that a transaction a partition still
 * holds open after its markers were lost can be ended the way the coordinator decided. Within one
 * epoch every transaction but the last committed (any failure re-initialises the producer, which
 * bumps the epoch), so a partition's open data at epoch E was decided COMMIT unless the last
 * transaction of E wrote to it and did not commit. Unknown epochs (an earlier process) are aborted,
 * as `kafka-transactions.sh abort` would.
 */
export class TransactionOutcomes {
  private readonly epochs = new Map<string, LastTransaction>();
  /** Per epoch, per partition: the offset ranges of committed transactions, oldest first. */
  private readonly committed = new Map<string, Map<string, Landed[]>>();
  private current: LastTransaction | null = null;
  private currentEpoch = '';

  begin(producerId: bigint, epoch: number): void {
    this.current = { touched: new Set(), landed: new Map(), offsets: false, outcome: 'open' };
    const key = `${producerId}:${epoch}`;
    this.currentEpoch = key;
    this.epochs.delete(key);
    this.epochs.set(key, this.current);
    while (this.epochs.size > EPOCHS_KEPT) {
      const oldest = this.epochs.keys().next().value as string;
      this.epochs.delete(oldest);
      this.committed.delete(oldest);
    }
  }

  /** A write the broker acknowledged: it took offsets `first`..`last` of `partition`. */
  landed(partition: TopicPartition, first: bigint, last: bigint): void {
    const landed = this.current?.landed;
    if (!landed) return;
    const known = landed.get(tpKey(partition));
    landed.set(
      tpKey(partition),
      known
        ? { first: known.first < first ? known.first : first, last: known.last > last ? known.last : last }
        : { first, last },
    );
  }

  /** Called before records are sent: a write that failed half-way may still have landed. */
  wrote(partitions: Iterable<TopicPartition>): void {
    for (const tp of partitions) this.current?.touched.add(tpKey(tp));
  }

  wroteOffsets(): void {
    if (this.current) this.current.offsets = true;
  }

  ended(outcome: 'committed' | 'aborted' | 'failed'): void {
    if (this.current) {
      this.current.outcome = outcome;
      if (outcome === 'committed') {
        const byPartition = this.committed.get(this.currentEpoch) ?? new Map<string, Landed[]>();
        this.committed.set(this.currentEpoch, byPartition);
        for (const [tp, range] of this.current.landed) {
          const ranges = byPartition.get(tp) ?? [];
          ranges.push(range);
          if (ranges.length > RANGES_KEPT) ranges.shift();
          byPartition.set(tp, ranges);
        }
      }
    }
    this.current = null;
  }

  /**
   * The last offset of the run of our committed transactions' writes that begins at `startOffset`
   * in `partition` (one range after the other, no gap), or null when no committed write of
   * (producerId, epoch) begins there. An open transaction that starts there began as committed data
   * whose markers were lost; what follows the run in the partition is something else: another
   * producer's records, or a later transaction of ours that did not commit (see lost-commits.ts).
   */
  committedRunEnd(
    producerId: bigint,
    epoch: number,
    partition: TopicPartition,
    startOffset: bigint,
  ): bigint | null {
    const ranges = this.committed.get(`${producerId}:${epoch}`)?.get(tpKey(partition));
    let covered = ranges?.find((r) => r.first === startOffset);
    if (!ranges || !covered) return null;
    for (;;) {
      const end: bigint = covered.last;
      const next = ranges.find((r) => r.first === end + 1n);
      if (!next) return covered.last;
      covered = next;
    }
  }

  /** Whether `partition`'s open transaction of (producerId, epoch) must be committed or aborted. */
  decision(
    producerId: bigint,
    epoch: number,
    partition: TopicPartition,
    offsetsTopic: boolean,
  ): 'commit' | 'abort' {
    const last = this.epochs.get(`${producerId}:${epoch}`);
    if (!last) return 'abort';
    const touched = offsetsTopic ? last.offsets : last.touched.has(tpKey(partition));
    if (!touched) return 'commit';
    return last.outcome === 'committed' ? 'commit' : 'abort';
  }
}
