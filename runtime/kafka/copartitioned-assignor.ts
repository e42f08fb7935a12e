import type {
  ClusterMetadata,
  ExtendedGroupProtocolSubscription,
  GroupPartitionsAssignments,
} from '@platformatic/kafka';
import { decodeMemberUserData } from './member-user-data.ts';
import { planTasks, type MemberState } from './sticky-task-plan.ts';

/**
 * Assigns partition p of every subscribed topic to the same member, so a task's co-partitioned
 * sources (e.g. `stock` and the reservation repartition topic) always live in one process. Which
 * member gets which partition number is the sticky, state-aware plan of `planTasks`, built from
 * what each member said in its user data; when every member rebalances cooperatively, a partition
 * that moves between live members is first assigned to nobody (see sticky-task-plan.ts).
 */
export function copartitionedAssignor(
  _current: string,
  members: Map<string, ExtendedGroupProtocolSubscription>,
  topics: Set<string>,
  metadata: ClusterMetadata,
): GroupPartitionsAssignments[] {
  const states: MemberState[] = [];
  let cooperative = members.size > 0;
  for (const [memberId, subscription] of members) {
    const data = decodeMemberUserData(subscription.metadata);
    // A member of an older version (rolling upgrade) neither revokes first nor reports ownership:
    // the whole group then rebalances in one round, as before.
    cooperative &&= data.cooperative;
    states.push({ memberId, owned: data.owned, ownedGeneration: data.ownedGeneration, warm: data.warm });
  }
  const taskCount = Math.max(0, ...[...topics].map((t) => metadata.topics.get(t)?.partitionsCount ?? 0));
  const plan = planTasks(states, taskCount, { cooperative });
  return [...plan.active].map(([memberId, partitions]) => {
    const assignments = new Map<string, { topic: string; partitions: number[] }>();
    for (const topic of topics) {
      const count = metadata.topics.get(topic)?.partitionsCount ?? 0;
      const mine = partitions.filter((p) => p < count);
      if (mine.length > 0) assignments.set(topic, { topic, partitions: mine });
    }
    return { memberId, assignments };
  });
}
