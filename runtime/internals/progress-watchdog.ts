import type { AdminPort, GroupConsumerPort, TopicPartition } from '../ports/ports.ts';
import { tpKey } from '../ports/ports.ts';
import type { ManagedTask } from './task-manager.ts';

export interface StalledPartition {
  readonly partition: TopicPartition;
  /** The fetch position, or undefined when the partition has none. */
  readonly position: bigint | undefined;
  /** The last stable offset: there is committed input up to here. */
  readonly end: bigint;
}

export interface StalledTask {
  readonly task: ManagedTask;
  readonly partitions: readonly StalledPartition[];
  /** How long its input has not moved. */
  readonly stalledMs: number;
}

/**
 * The engine's liveness guarantee: every assigned partition is fetched until its end. A running
 * task whose input positions have not moved for `timeoutMs` is checked against the partitions'
 * end offsets; input waiting beyond its position means the task is stuck (not idle), and the
 * stream thread rebuilds it. Cheap when healthy: the broker is asked only about partitions that
 * stood still for the whole timeout.
 */
export class ProgressWatchdog {
  private readonly timeoutMs: number;
  private readonly seen = new Map<string, { position: bigint | undefined; since: number }>();

  constructor(timeoutMs: number) {
    this.timeoutMs = timeoutMs;
  }

  async stalled(
    tasks: readonly ManagedTask[],
    ports: { consumer: GroupConsumerPort; admin: AdminPort },
    now: number,
  ): Promise<StalledTask[]> {
    const live = new Set<string>();
    const suspects: { task: ManagedTask; tp: TopicPartition; position: bigint | undefined; since: number }[] =
      [];
    for (const task of tasks) {
      for (const tp of task.inputs) {
        const key = tpKey(tp);
        live.add(key);
        const position = ports.consumer.position(tp);
        const last = this.seen.get(key);
        if (!last || last.position !== position) {
          this.seen.set(key, { position, since: now });
          continue;
        }
        if (now - last.since >= this.timeoutMs) suspects.push({ task, tp, position, since: last.since });
      }
    }
    for (const key of this.seen.keys()) if (!live.has(key)) this.seen.delete(key);
    if (suspects.length === 0) return [];

    const ends = await ports.admin.endOffsets(suspects.map((s) => s.tp));
    const byTask = new Map<ManagedTask, { partitions: StalledPartition[]; since: number }>();
    for (const { task, tp, position, since } of suspects) {
      const end = ends.get(tpKey(tp)) ?? 0n;
      if (position !== undefined && position >= end) {
        // Idle, not stuck: nothing to read. Look again after another full timeout.
        this.seen.set(tpKey(tp), { position, since: now });
        continue;
      }
      const entry = byTask.get(task) ?? { partitions: [], since };
      entry.partitions.push({ partition: tp, position, end });
      entry.since = Math.min(entry.since, since);
      byTask.set(task, entry);
    }
    return [...byTask].map(([task, { partitions, since }]) => ({ task, partitions, stalledMs: now - since }));
  }

  /** Forget a rebuilt task's partitions, so its new positions start a new clock. */
  forget(partitions: readonly TopicPartition[]): void {
    for (const tp of partitions) this.seen.delete(tpKey(tp));
  }
}
