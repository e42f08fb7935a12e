import type {
  ClusterMetadata,
  ExtendedGroupProtocolSubscription,
  GroupPartitionsAssignments,
} from '@platformatic/kafka';

/**
 * Assigns partition p of every subscribed topic to the same member, so a task's co-partitioned
 * sources (e.g. `stock` and the reservation repartition topic) always live in one process.
 * Partition numbers are spread round-robin over the members sorted by id: deterministic, so
 * every member computes the same plan.
 */
export function copartitionedAssignor(
  _current: string,
  members: Map<string, ExtendedGroupProtocolSubscription>,
  topics: Set<string>,
  metadata: ClusterMetadata,
): GroupPartitionsAssignments[] {
  const memberIds = [...members.keys()].sort();
  const plans = new Map(
    memberIds.map((id) => [id, new Map<string, { topic: string; partitions: number[] }>()]),
  );
  const maxPartitions = Math.max(0, ...[...topics].map((t) => metadata.topics.get(t)?.partitionsCount ?? 0));
  for (let partition = 0; partition < maxPartitions; partition++) {
    const member = memberIds[partition % memberIds.length] as string;
    const plan = plans.get(member) as Map<string, { topic: string; partitions: number[] }>;
    for (const topic of topics) {
      if (partition >= (metadata.topics.get(topic)?.partitionsCount ?? 0)) continue;
      const entry = plan.get(topic) ?? { topic, partitions: [] };
      entry.partitions.push(partition);
      plan.set(topic, entry);
    }
  }
  return memberIds.map((memberId) => ({
    memberId,
    assignments: plans.get(memberId) as Map<string, { topic: string; partitions: number[] }>,
  }));
}
