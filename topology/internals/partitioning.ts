import { TopologyError } from '../../engine-common/errors.ts';
import type { GraphBuilder } from './graph-builder.ts';
import type { SubtopologyDef } from './subtopologies.ts';
import { changelogTopicName, internalTopicName } from './topic-names.ts';

/** Partition counts derived for a whole topology. */
export interface PartitionCounts {
  /** Every source, repartition and changelog topic (internal names resolved when an application id was given). */
  readonly topics: ReadonlyMap<string, number>;
  /** Tasks per sub-topology: the partition count of its (co-partitioned) sources. Global stores have none. */
  readonly tasks: ReadonlyMap<number, number>;
}

/** Groups of topics that must have the same partition count: the sources of each sub-topology. */
export function copartitionGroups(
  graph: GraphBuilder,
  subtopologies: readonly SubtopologyDef[],
  applicationId?: string,
): string[][] {
  const resolve = (t: string): string =>
    graph.repartitionTopics().has(t) ? internalTopicName(applicationId, t) : t;
  return subtopologies
    .filter((s) => !s.global && s.sourceTopics.length > 1)
    .map((s) => s.sourceTopics.map(resolve).sort());
}

/**
 * Checks the partition counts of the external source topics and derives those of the internal
 * topics, like Kafka Streams' `RepartitionTopics` + `CopartitionedTopicsEnforcer`:
 * - a repartition topic has its fixed count, or the task count of the sub-topology writing it, or,
 *   when it is read together with external topics, their count;
 * - the sources of one sub-topology must all have the same count (they are assigned together);
 * - a changelog has one partition per task of the sub-topology owning the store.
 * Throws a TopologyError naming the topics and counts when that cannot hold.
 */
export function validatePartitionCounts(
  graph: GraphBuilder,
  subtopologies: readonly SubtopologyDef[],
  counts: ReadonlyMap<string, number>,
  applicationId?: string,
): PartitionCounts {
  const repartition = graph.repartitionTopics();
  const known = new Map<string, number>();
  const isInternal = (t: string): boolean => repartition.has(t);

  for (const sub of subtopologies) {
    for (const topic of sub.sourceTopics) {
      if (isInternal(topic)) continue;
      const count = counts.get(topic);
      if (count === undefined) {
        if (sub.global) continue;
        throw new TopologyError(
          `Source topic ${topic} (sub-topology ${sub.id}) has no partition count: does it exist?`,
        );
      }
      if (!Number.isInteger(count) || count < 1) {
        throw new TopologyError(`Source topic ${topic} has an invalid partition count ${count}`);
      }
      known.set(topic, count);
    }
  }

  const tasks = new Map<number, number>();
  const writers = (topic: string): SubtopologyDef[] =>
    subtopologies.filter((s) => s.sinkTopics.includes(topic));
  const pending = subtopologies.filter((s) => !s.global);
  while (pending.length > 0) {
    const index = pending.findIndex((sub) =>
      sub.sourceTopics.every(
        (t) =>
          !isInternal(t) ||
          repartition.get(t)?.partitions != null ||
          writers(t).every((w) => tasks.has(w.id)),
      ),
    );
    if (index === -1) {
      throw new TopologyError(
        `Cannot derive repartition topic partition counts: sub-topologies ${pending.map((s) => s.id).join(', ')} depend on each other in a cycle`,
      );
    }
    const [sub] = pending.splice(index, 1) as [SubtopologyDef];
    tasks.set(sub.id, resolveSubtopology(sub, known, repartition, writers, tasks));
  }

  const topics = new Map<string, number>();
  for (const [topic, count] of known) {
    topics.set(isInternal(topic) ? internalTopicName(applicationId, topic) : topic, count);
  }
  for (const sub of subtopologies) {
    if (sub.global) continue;
    for (const store of sub.stores) {
      if (graph.stores().get(store)?.builder.loggingEnabled) {
        topics.set(changelogTopicName(applicationId, store), tasks.get(sub.id) as number);
      }
    }
  }
  return { topics, tasks: new Map([...tasks.entries()].sort((a, b) => a[0] - b[0])) };
}

function resolveSubtopology(
  sub: SubtopologyDef,
  known: Map<string, number>,
  repartition: ReturnType<GraphBuilder['repartitionTopics']>,
  writers: (topic: string) => SubtopologyDef[],
  tasks: ReadonlyMap<number, number>,
): number {
  const external = sub.sourceTopics.filter((t) => !repartition.has(t));
  const internal = sub.sourceTopics.filter((t) => repartition.has(t));
  const describe = (ts: readonly string[]): string => ts.map((t) => `${t}=${known.get(t)}`).join(', ');

  const externalCounts = new Set(external.map((t) => known.get(t) as number));
  if (externalCounts.size > 1) {
    throw new TopologyError(
      `Topics not co-partitioned in sub-topology ${sub.id}: [${describe(external)}]; ` +
        'topics read by one sub-topology (merged, joined or sharing a store) need the same partition count',
    );
  }
  const fixed = internal.filter((t) => repartition.get(t)?.partitions != null);
  for (const t of fixed) known.set(t, repartition.get(t)?.partitions as number);

  let target: number;
  if (externalCounts.size === 1) {
    target = [...externalCounts][0] as number;
  } else if (fixed.length > 0) {
    target = known.get(fixed[0] as string) as number;
  } else {
    // Only derived repartition topics: take the widest upstream so no upstream task is starved.
    target = Math.max(
      ...internal.map((t) => Math.max(...writers(t).map((w) => tasks.get(w.id) as number), 1)),
    );
  }
  for (const t of fixed) {
    if (known.get(t) !== target) {
      throw new TopologyError(
        `Topics not co-partitioned in sub-topology ${sub.id}: repartition topic ${t} is fixed at ` +
          `${known.get(t)} partitions but its co-partitioned topics have ${target} [${describe(sub.sourceTopics.filter((x) => known.has(x)))}]`,
      );
    }
  }
  for (const t of internal) if (!known.has(t)) known.set(t, target);
  return target;
}
