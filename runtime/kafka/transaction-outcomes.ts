import type { TopicPartition } from '../internals/ports.ts';
import { tpKey } from '../internals/ports.ts';

/** The last transaction of one producer epoch, as this process saw it end. */
interface LastTransaction {
  readonly touched: Set<string>;
  offsets: boolean;
  outcome: 'open' | 'committed' | 'aborted' | 'failed';
}

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
  private current: LastTransaction | null = null;

  begin(producerId: bigint, epoch: number): void {
    this.current = { touched: new Set(), offsets: false, outcome: 'open' };
    const key = `${producerId}:${epoch}`;
    this.epochs.delete(key);
    this.epochs.set(key, this.current);
    while (this.epochs.size > EPOCHS_KEPT) this.epochs.delete(this.epochs.keys().next().value as string);
  }

  /** Called before records are sent: a write that failed half-way may still have landed. */
  wrote(partitions: Iterable<TopicPartition>): void {
    for (const tp of partitions) this.current?.touched.add(tpKey(tp));
  }

  wroteOffsets(): void {
    if (this.current) this.current.offsets = true;
  }

  ended(outcome: 'committed' | 'aborted' | 'failed'): void {
    if (this.current) this.current.outcome = outcome;
    this.current = null;
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
