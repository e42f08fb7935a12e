/**
 * The assignment plan of a group of stream instances, by task partition (partition p of every
 * co-partitioned source topic is one unit: it lives in one process). Pure and deterministic: the
 * group leader computes it from what every member said in its subscription.
 *
 * Kafka Streams' HighAvailabilityTaskAssignor in miniature:
 * - **sticky**: a member keeps what it owns while the group stays balanced, so an instance joining
 *   or leaving moves only the tasks it must (a plain round-robin by member id moved almost all:
 *   member ids are new on every join, so the order — and every owner — changed);
 * - **state-aware**: a task that must move goes to a member that already holds its state (a
 *   standby, or a former owner whose store is still on disk), which restores only the tail;
 * - **cooperative** (KIP-429): a task that moves from one live member to another is first given to
 *   nobody; its owner commits and closes it, rejoins, and the next round hands it to the new owner.
 *   Every other task keeps running through the rebalance.
 */
export interface MemberState {
  readonly memberId: string;
  /** Task partitions the member owns now (from its subscription), with the generation it owned them in. */
  readonly owned: readonly number[];
  readonly ownedGeneration: number;
  /** Task partitions whose state the member holds locally (standby or former active). */
  readonly warm: readonly number[];
}

export interface TaskPlan {
  /** Per member, the task partitions it runs in this generation. */
  readonly active: Map<string, number[]>;
  /** Task partitions given to nobody this round: their owner must give them up first. */
  readonly withheld: number[];
}

export function planTasks(
  members: readonly MemberState[],
  taskCount: number,
  options: { cooperative: boolean },
): TaskPlan {
  const sorted = [...members].sort((a, b) =>
    a.memberId < b.memberId ? -1 : a.memberId > b.memberId ? 1 : 0,
  );
  const active = new Map<string, number[]>(sorted.map((m) => [m.memberId, []]));
  if (sorted.length === 0 || taskCount <= 0) return { active, withheld: [] };

  const owner = currentOwners(sorted, taskCount);
  const minQuota = Math.floor(taskCount / sorted.length);
  // This many members may hold one task more than the others.
  let extraSlots = taskCount % sorted.length;
  const count = (memberId: string) => (active.get(memberId) as number[]).length;
  const hasRoom = (memberId: string) =>
    count(memberId) < minQuota || (count(memberId) === minQuota && extraSlots > 0);
  const give = (memberId: string, task: number) => {
    if (count(memberId) === minQuota) extraSlots--;
    (active.get(memberId) as number[]).push(task);
  };

  // 1. Sticky: every owner keeps its tasks up to the minimum quota, then (while slots last) one more.
  const unassigned = new Set<number>();
  for (let task = 0; task < taskCount; task++) if (!owner.has(task)) unassigned.add(task);
  for (const member of sorted) {
    const mine = [...owner].filter(([, o]) => o === member.memberId).map(([task]) => task);
    for (const task of mine) {
      if (count(member.memberId) < minQuota) give(member.memberId, task);
      else unassigned.add(task);
    }
  }
  for (const member of sorted) {
    const spare = [...unassigned].filter((task) => owner.get(task) === member.memberId);
    if (spare.length > 0 && count(member.memberId) === minQuota && extraSlots > 0) {
      give(member.memberId, spare[0] as number);
      unassigned.delete(spare[0] as number);
    }
  }

  // 2. State-aware: a task without a place goes to a member holding its state, if it has room.
  for (const task of [...unassigned].sort((a, b) => a - b)) {
    const warm = sorted.find((m) => m.warm.includes(task) && count(m.memberId) < minQuota);
    if (warm) {
      give(warm.memberId, task);
      unassigned.delete(task);
    }
  }
  // 3. The rest fills the emptiest members, lowest task first.
  for (const task of [...unassigned].sort((a, b) => a - b)) {
    const candidates = sorted.filter((m) => hasRoom(m.memberId));
    const target = candidates.find((m) => m.warm.includes(task)) ?? leastLoaded(candidates, count);
    if (!target) break;
    give(target.memberId, task);
    unassigned.delete(task);
  }

  // 4. Cooperative: a task its live owner must give up goes to nobody this round.
  const withheld: number[] = [];
  if (options.cooperative) {
    for (const [memberId, tasks] of active) {
      const kept = tasks.filter((task) => {
        const current = owner.get(task);
        const moving = current !== undefined && current !== memberId;
        if (moving) withheld.push(task);
        return !moving;
      });
      active.set(memberId, kept);
    }
  }
  for (const tasks of active.values()) tasks.sort((a, b) => a - b);
  return { active, withheld: withheld.sort((a, b) => a - b) };
}

/**
 * Who owns each task now. Two members can both claim a task (one of them missed a generation and
 * still thinks it owns it): the claim of the newer generation wins, as in Kafka's
 * CooperativeStickyAssignor.
 */
function currentOwners(members: readonly MemberState[], taskCount: number): Map<number, string> {
  const owner = new Map<number, { memberId: string; generation: number }>();
  for (const member of members) {
    for (const task of new Set(member.owned)) {
      if (task < 0 || task >= taskCount) continue;
      const claim = owner.get(task);
      if (!claim || member.ownedGeneration > claim.generation)
        owner.set(task, { memberId: member.memberId, generation: member.ownedGeneration });
    }
  }
  return new Map([...owner].map(([task, claim]) => [task, claim.memberId]));
}

function leastLoaded(
  members: readonly MemberState[],
  count: (id: string) => number,
): MemberState | undefined {
  let best: MemberState | undefined;
  for (const member of members) if (!best || count(member.memberId) < count(best.memberId)) best = member;
  return best;
}
