import type { CheckpointEntry } from './global-checkpoint.ts';
import type { TopicPartition } from '../ports/ports.ts';
import { tpKey } from '../ports/ports.ts';

export interface GlobalStartPlan {
  /** Why the global stores must be emptied and bootstrapped from the beginning, or null to resume. */
  readonly wipeReason: string | null;
  /** Per `topic:partition`, the offset to read from. */
  readonly from: Map<string, bigint>;
}

/**
 * Where the global state maintainer starts reading each source partition. Resuming from the
 * checkpoint needs a checkpoint, stores that kept their data (persistent), and offsets the topic
 * still has: a checkpoint past a partition's end, or naming a partition that no longer exists,
 * means the topic was recreated or truncated, and the stores may hold records it no longer does.
 * Then (and without a checkpoint) the stores are wiped: replaying from the beginning over old
 * data would keep keys whose tombstones compaction has since removed.
 */
export function planGlobalStart(input: {
  readonly partitions: readonly TopicPartition[];
  readonly checkpoint: ReadonlyMap<string, CheckpointEntry> | null;
  readonly persistent: boolean;
  readonly beginnings: ReadonlyMap<string, bigint>;
  readonly ends: ReadonlyMap<string, bigint>;
}): GlobalStartPlan {
  const beginningOf = (key: string): bigint => input.beginnings.get(key) ?? 0n;
  const fromBeginning = (wipeReason: string): GlobalStartPlan => ({
    wipeReason,
    from: new Map(input.partitions.map((tp) => [tpKey(tp), beginningOf(tpKey(tp))])),
  });
  if (input.checkpoint === null) return fromBeginning('no checkpoint');
  if (!input.persistent) return fromBeginning('in-memory stores keep nothing across restarts');
  const known = new Set(input.partitions.map(tpKey));
  for (const [key, entry] of input.checkpoint) {
    if (!known.has(key)) return fromBeginning(`checkpoint names ${key}, which no longer exists`);
    const end = input.ends.get(key) ?? 0n;
    if (entry.offset > end)
      return fromBeginning(`checkpoint ${entry.offset} of ${key} is beyond its end ${end}`);
  }
  const from = new Map<string, bigint>();
  for (const tp of input.partitions) {
    const key = tpKey(tp);
    const beginning = beginningOf(key);
    // A partition added since the checkpoint starts at its beginning; records retention deleted
    // before our position are gone: read from what is left.
    const checkpointed = input.checkpoint.get(key)?.offset ?? beginning;
    from.set(key, checkpointed < beginning ? beginning : checkpointed);
  }
  return { wipeReason: null, from };
}
