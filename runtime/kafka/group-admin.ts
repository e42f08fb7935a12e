import { Admin } from '@platformatic/kafka';
import { baseOptions, type ClientSettings } from './client-options.ts';
import { wrap } from './errors.ts';
import { principalName } from '../security.ts';
import { KafkaAdmin } from './admin-port.ts';
import { tpKey } from '../ports/ports.ts';

/** A consumer group as an operator tool sees it: its state and who is in it. */
export interface GroupDescription {
  readonly groupId: string;
  /** As the broker says it (`Empty`, `Stable`, `PreparingRebalance`, `Dead` for a group that does not exist). */
  readonly state: string;
  readonly members: readonly {
    memberId: string;
    instanceId: string | null;
    clientId: string;
    host: string;
  }[];
}

/** Committed offsets of a group: topic → partition → next offset to read. */
export type CommittedOffsets = Map<string, Map<number, bigint>>;

/**
 * Consumer-group and topic administration for operator tools (the application reset): describe a
 * group, read, set and drop its committed offsets, list and delete topics. The engine itself never
 * changes a group's offsets this way; only a tool does, while the group is empty.
 */
export class KafkaGroupAdmin {
  private readonly admin: Admin;
  private readonly topics: KafkaAdmin;
  private readonly principal: string;

  constructor(settings: ClientSettings) {
    this.admin = new Admin(baseOptions(settings, 'group-admin'));
    this.topics = new KafkaAdmin(settings);
    this.principal = principalName(settings.security);
  }

  async describeGroup(groupId: string): Promise<GroupDescription> {
    const groups = await wrap('describeGroups', () => this.admin.describeGroups({ groups: [groupId] }), {
      principal: this.principal,
      group: groupId,
    });
    const group = groups.get(groupId);
    if (!group) return { groupId, state: 'Dead', members: [] };
    return {
      groupId,
      state: String(group.state),
      members: [...group.members.values()].map((m) => ({
        memberId: m.id,
        instanceId: m.groupInstanceId ?? null,
        clientId: m.clientId,
        host: m.clientHost,
      })),
    };
  }

  /** Every consumer group id the cluster knows. */
  async groupIds(): Promise<string[]> {
    const groups = await wrap('listGroups', () => this.admin.listGroups(), { principal: this.principal });
    return [...groups.keys()];
  }

  async committedOffsets(groupId: string): Promise<CommittedOffsets> {
    const answer = await wrap(
      'listConsumerGroupOffsets',
      () => this.admin.listConsumerGroupOffsets({ groups: [groupId] }),
      { principal: this.principal, group: groupId },
    );
    const result: CommittedOffsets = new Map();
    for (const group of answer)
      for (const topic of group.topics) {
        const partitions = new Map<number, bigint>();
        for (const p of topic.partitions)
          if (p.committedOffset >= 0n) partitions.set(p.partitionIndex, p.committedOffset);
        if (partitions.size > 0) result.set(topic.name, partitions);
      }
    return result;
  }

  /** Sets the group's committed offsets (the group must have no members). */
  async setOffsets(groupId: string, offsets: CommittedOffsets): Promise<void> {
    if (offsets.size === 0) return;
    await wrap(
      'alterConsumerGroupOffsets',
      () =>
        this.admin.alterConsumerGroupOffsets({
          groupId,
          topics: [...offsets].map(([name, partitions]) => ({
            name,
            partitionOffsets: [...partitions].map(([partition, offset]) => ({ partition, offset })),
          })),
        }),
      { principal: this.principal, group: groupId },
    );
  }

  /** Drops the group's committed offsets of these partitions. */
  async deleteOffsets(groupId: string, partitions: ReadonlyMap<string, readonly number[]>): Promise<void> {
    if (partitions.size === 0) return;
    await wrap(
      'deleteConsumerGroupOffsets',
      () =>
        this.admin.deleteConsumerGroupOffsets({
          groupId,
          topics: [...partitions].map(([name, partitionIndexes]) => ({
            name,
            partitionIndexes: [...partitionIndexes],
          })),
        }),
      { principal: this.principal, group: groupId },
    );
  }

  async listTopics(): Promise<string[]> {
    return wrap('listTopics', () => this.admin.listTopics(), { principal: this.principal });
  }

  async partitionCounts(topics: readonly string[]): Promise<Map<string, number>> {
    return this.topics.partitionCounts(topics);
  }

  /** The log start offset of each partition of `topic` (what "earliest" means), by partition. */
  async earliestOffsets(topic: string, partitions: number): Promise<Map<number, bigint>> {
    const tps = Array.from({ length: partitions }, (_, partition) => ({ topic, partition }));
    const starts = await this.topics.beginningOffsets(tps);
    return new Map(tps.map((tp) => [tp.partition, starts.get(tpKey(tp)) ?? 0n]));
  }

  async deleteTopics(names: readonly string[]): Promise<void> {
    if (names.length > 0) await this.topics.deleteTopics(names);
  }

  async close(): Promise<void> {
    await Promise.allSettled([this.admin.close(), this.topics.close()]);
  }
}
