import type { TopicPartition } from '../ports/ports.ts';
import { tpKey } from '../ports/ports.ts';

/**
 * Which partitions the group gave this member, in which generation, kept the moment each
 * assignment arrives (the tasks catch up later, under the stream thread's lock). It answers the
 * one question exactly-once needs during a rebalance: may a transaction whose records were polled
 * in generation P commit its offsets with the group's current generation? Only when nobody else
 * can have processed those partitions since — so a rebalance that takes nothing from us costs
 * no aborted transaction, and one that does still fences us (KIP-447).
 */
export class GroupOwnership {
  /** Per assigned partition, the generation since which it has been ours without a break. */
  private readonly since = new Map<string, { tp: TopicPartition; generation: number }>();
  /** Per partition taken away, the generation that took it. */
  private readonly revokedIn = new Map<string, number>();
  private cooperativeRound = false;
  private waiters: (() => void)[] = [];
  /** The generation of the last assignment that arrived. */
  generation = -1;

  /**
   * An assignment arrived. `revokeRound`: the first round of a cooperative rebalance, which takes
   * the moving partitions from us and gives them to nobody until we rejoin.
   */
  apply(partitions: readonly TopicPartition[], generation: number, revokeRound: boolean): void {
    const next = new Set(partitions.map(tpKey));
    for (const [key] of this.since) {
      if (next.has(key)) continue;
      this.since.delete(key);
      this.revokedIn.set(key, generation);
    }
    for (const tp of partitions) {
      const key = tpKey(tp);
      if (this.since.has(key)) continue;
      this.since.set(key, { tp, generation });
      this.revokedIn.delete(key);
    }
    this.generation = generation;
    this.cooperativeRound = revokeRound;
    const waiters = this.waiters;
    this.waiters = [];
    for (const wake of waiters) wake();
  }

  /** Whether an assignment of `partitions` would take any partition we hold now away from us. */
  takenAwayBy(partitions: readonly TopicPartition[]): boolean {
    const next = new Set(partitions.map(tpKey));
    return [...this.since.keys()].some((key) => !next.has(key));
  }

  /** Partition numbers assigned to us now (what we tell the assignor we own). */
  ownedPartitionNumbers(): number[] {
    return [...new Set([...this.since.values()].map((e) => e.tp.partition))].sort((a, b) => a - b);
  }

  /**
   * Whether offsets of `partitions`, whose records were polled in generation `polledIn`, may be
   * committed with the group's `current` generation: every one ours without a break since then,
   * or taken away by the current generation's cooperative first round (nobody has it yet, and its
   * next owner waits for our transaction). Our view must be of the current generation: while its
   * assignment is still on the way, a partition we think ours may already be someone else's.
   */
  safeToCommit(partitions: readonly TopicPartition[], polledIn: number, current: number): boolean {
    if (current !== this.generation) return false;
    return partitions.every((tp) => {
      const key = tpKey(tp);
      const owned = this.since.get(key);
      if (owned) return owned.generation <= polledIn;
      return this.cooperativeRound && this.revokedIn.get(key) === current;
    });
  }

  /** Resolves once an assignment of `generation()` (or a later one) arrived, or after `timeoutMs`. */
  async settled(generation: () => number, timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (this.generation < generation() && Date.now() < deadline) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, Math.max(0, deadline - Date.now()));
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }
}
