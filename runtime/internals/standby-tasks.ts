import { formatTaskId, type TaskId, type Topology } from '../../topology/index.ts';
import type { StreamsConfig } from '../config.ts';
import type { Logger } from '../logger.ts';
import type { StreamsMetrics } from '../metrics/streams-metrics.ts';
import type { TaskProcessor } from '../task/index.ts';
import type { AdminPort, GroupMemberInfo, PartitionReaderPort, TopicPartition } from '../ports/ports.ts';
import { tpKey } from '../ports/ports.ts';
import { changelogRecordsOf } from './restorer.ts';

/** The group's assignment is read again this often (and after every rebalance of ours). */
const PLAN_INTERVAL_MS = 5000;
/**
 * A turn of standby work ends after this long (checked between fetched batches): the active tasks
 * of the same thread wait meanwhile. A standby still behind gets the next turn at once, so copies
 * catch up quickly when the thread is idle and only in slices when it is busy (a whole-changelog
 * turn delayed every active record by a second or more in bench:rebalance).
 */
const TURN_BUDGET_MS = 50;

interface StandbyTask {
  readonly id: TaskId;
  readonly name: string;
  readonly processor: TaskProcessor;
  readonly changelogs: { store: string; changelog: TopicPartition }[];
}

/**
 * Standby replicas (Kafka Streams' `num.standby.replicas`): warm copies of other instances' task
 * stores, kept current from their changelogs (read_committed) in the stream thread's spare turns.
 * When an owner goes, its tasks move to an instance holding a copy (the assignor prefers it:
 * instances report the tasks whose state they hold), which then restores only the tail.
 *
 * Placement needs no coordination: every instance reads the group's assignment (DescribeGroups),
 * orders the members by instance id, and for a task partition owned by member i the standbys are
 * members i+1 … i+N (never the owner). Each instance keeps the copies that fall to it.
 */
export class StandbyTasks {
  private readonly standbys = new Map<string, StandbyTask>();
  private readonly config: StreamsConfig;
  private readonly topology: Topology;
  private readonly taskCounts: ReadonlyMap<number, number>;
  private readonly ports: { admin: AdminPort; reader: PartitionReaderPort };
  private readonly metrics: StreamsMetrics;
  private readonly log: Logger;
  private readonly createProcessor: (id: TaskId, name: string) => TaskProcessor;
  private readonly isActive: (name: string) => boolean;
  private desired = new Set<string>();
  private lastPlan = 0;
  private lastCatchUp = 0;
  private planStale = true;
  /** A copy still had records to apply when its last turn ended. */
  private behind = false;

  constructor(options: {
    config: StreamsConfig;
    topology: Topology;
    taskCounts: ReadonlyMap<number, number>;
    ports: { admin: AdminPort; reader: PartitionReaderPort };
    metrics: StreamsMetrics;
    log: Logger;
    createProcessor: (id: TaskId, name: string) => TaskProcessor;
    isActive: (name: string) => boolean;
  }) {
    this.config = options.config;
    this.topology = options.topology;
    this.taskCounts = options.taskCounts;
    this.ports = options.ports;
    this.metrics = options.metrics;
    this.log = options.log;
    this.createProcessor = options.createProcessor;
    this.isActive = options.isActive;
  }

  /** Task partitions this instance holds a copy of. */
  partitions(): number[] {
    return [...new Set([...this.standbys.values()].map((s) => s.id.partition))];
  }

  /** The group's assignment changed: place the standbys again at the next turn. */
  assignmentChanged(): void {
    this.planStale = true;
  }

  /**
   * One turn, from the stream thread between batches: places the standbys when due, opens and
   * closes copies to match, and brings each a step closer to its changelogs' end.
   */
  async maintain(now: number): Promise<void> {
    if (this.config.numStandbyReplicas === 0) return;
    if (this.planStale || now - this.lastPlan >= PLAN_INTERVAL_MS) {
      this.lastPlan = now;
      const members = await this.ports.admin.groupMembers(this.config.applicationId);
      // Mid-rebalance the group has no stable assignment to read: keep the copies as they are.
      if (members.length > 0) {
        this.planStale = false;
        this.desired = this.place(members);
      }
    }
    for (const name of [...this.standbys.keys()])
      if (!this.desired.has(name) || this.isActive(name)) await this.release(name);
    for (const name of this.desired)
      if (!this.standbys.has(name) && !this.isActive(name)) await this.open(name);
    this.metrics.standbyTasks.set(this.standbys.size);
    if (!this.behind && now - this.lastCatchUp < this.config.standbyCatchUpIntervalMs) return;
    this.lastCatchUp = now;
    const deadline = Date.now() + TURN_BUDGET_MS;
    this.behind = false;
    for (const standby of this.standbys.values()) {
      if (Date.now() >= deadline) {
        this.behind = true;
        break;
      }
      if (!(await this.catchUp(standby, deadline))) this.behind = true;
    }
  }

  /** Closes the copy of a task (its checkpoint written): an active task is about to open its stores. */
  async release(name: string): Promise<void> {
    const standby = this.standbys.get(name);
    if (!standby) return;
    this.standbys.delete(name);
    try {
      await standby.processor.close();
    } catch (error) {
      this.log.warn({ task: name, err: error }, 'closing a standby task failed');
    }
    this.metrics.standbyTasks.set(this.standbys.size);
  }

  async closeAll(): Promise<void> {
    for (const name of [...this.standbys.keys()]) await this.release(name);
  }

  /** The standby task names that fall to this instance under the group's current assignment. */
  private place(members: readonly GroupMemberInfo[]): Set<string> {
    const order = [...members].sort((a, b) => {
      const ka = a.instanceId ?? a.memberId;
      const kb = b.instanceId ?? b.memberId;
      return ka < kb ? -1 : ka > kb ? 1 : 0;
    });
    const me = order.findIndex((m) => m.instanceId === this.config.instanceId);
    const names = new Set<string>();
    if (me < 0) return names;
    const replicas = Math.min(this.config.numStandbyReplicas, order.length - 1);
    for (const sub of this.topology.subtopologies(this.config.applicationId)) {
      if (sub.global || !sub.stores.some((s) => s.changelogTopic !== null)) continue;
      const source = new Set(sub.sourceTopics);
      for (let partition = 0; partition < (this.taskCounts.get(sub.id) ?? 0); partition++) {
        const owner = order.findIndex((m) =>
          m.partitions.some((tp) => tp.partition === partition && source.has(tp.topic)),
        );
        if (owner < 0 || owner === me) continue;
        for (let r = 1; r <= replicas; r++)
          if ((owner + r) % order.length === me) names.add(formatTaskId({ subtopology: sub.id, partition }));
      }
    }
    return names;
  }

  private async open(name: string): Promise<void> {
    const [subtopology, partition] = name.split('_').map(Number) as [number, number];
    const id = { subtopology, partition };
    const processor = this.createProcessor(id, name);
    await processor.initStores();
    const changelogs = [...processor.changelogPartitions()].map(([store, changelog]) => ({
      store,
      changelog,
    }));
    this.standbys.set(name, { id, name, processor, changelogs });
    this.log.info({ task: name }, 'standby task opened');
  }

  /** Applies new changelog records to each store of the copy until `deadline`; true when caught up. */
  private async catchUp(standby: StandbyTask, deadline: number): Promise<boolean> {
    let caughtUp = true;
    const stores = standby.processor.stores();
    const partitions = standby.changelogs.map((c) => c.changelog);
    const [ends, beginnings] = await Promise.all([
      this.ports.admin.endOffsets(partitions),
      this.ports.admin.beginningOffsets(partitions),
    ]);
    for (const { store: storeName, changelog } of standby.changelogs) {
      const store = stores.get(storeName);
      if (!store) continue;
      const end = ends.get(tpKey(changelog)) ?? 0n;
      const beginning = beginnings.get(tpKey(changelog)) ?? 0n;
      let from = store.checkpointedOffset() ?? beginning;
      if (from < beginning) from = beginning;
      // The changelog was recreated or truncated below our copy: start the copy again.
      if (from > end) {
        await store.wipe();
        from = beginning;
      }
      let reached = end > from ? from : end;
      if (end > from && Date.now() < deadline) {
        let cutShort = false;
        for await (const batch of this.ports.reader.read(changelog, from, end)) {
          if (batch.length === 0) continue;
          reached = (batch.at(-1)?.offset ?? from) + 1n;
          await store.restore(changelogRecordsOf(batch), reached);
          if (Date.now() >= deadline) {
            cutShort = true;
            break;
          }
        }
        // Read to the end: what follows the last record (a commit marker) is applied too.
        if (!cutShort) reached = end;
      }
      // Caught up: checkpoint the end itself (commit markers may follow the last record).
      if (reached >= end && store.checkpointedOffset() !== end) await store.restore([], end);
      if ((store.checkpointedOffset() ?? beginning) < end) caughtUp = false;
      this.metrics.standbyLag.set(
        { task_id: standby.name, store: storeName },
        Number(end - (store.checkpointedOffset() ?? beginning)),
      );
    }
    return caughtUp;
  }
}
