import type { AdminPort, GroupMemberInfo, TopicPartition } from '../ports/ports.ts';
import { tpKey } from '../ports/ports.ts';

/** One instance of the application as the group sees it (Kafka Streams' `StreamsMetadata`). */
export interface StreamsMetadata {
  /** `host:port` of its interactive queries, or null when it did not advertise one. */
  readonly applicationServer: string | null;
  readonly instanceId: string | null;
  readonly partitions: readonly TopicPartition[];
}

/** Where a key of a store lives (Kafka Streams' `KeyQueryMetadata`). */
export interface KeyQueryMetadata {
  readonly partition: number;
  /** The owner's `applicationServer`; null while no member owns the partition (a rebalance). */
  readonly activeHost: string | null;
}

/** How long a description of the group is reused: queries come in bursts, rebalances are rare. */
const MAX_AGE_MS = 1000;

/**
 * The group's members and their partitions, read with DescribeGroups and kept for a second. Each
 * member put its `applicationServer` in its subscription, so any instance can route a query to the
 * owner of a key's partition without a protocol of its own.
 */
export class StreamsMetadataCache {
  private readonly admin: AdminPort;
  private readonly groupId: string;
  private members: { at: number; list: Promise<GroupMemberInfo[]> } | null = null;

  constructor(admin: AdminPort, groupId: string) {
    this.admin = admin;
    this.groupId = groupId;
  }

  async all(): Promise<StreamsMetadata[]> {
    return (await this.current()).map((m) => ({
      applicationServer: m.applicationServer,
      instanceId: m.instanceId,
      partitions: m.partitions,
    }));
  }

  /** The owner of `partition` of any of `topics` (a task's co-partitioned sources share owners). */
  async ownerOf(topics: readonly string[], partition: number): Promise<KeyQueryMetadata> {
    const wanted = new Set(topics.map((topic) => tpKey({ topic, partition })));
    for (const fresh of [false, true]) {
      if (fresh) this.members = null;
      const owner = (await this.current()).find((m) => m.partitions.some((p) => wanted.has(tpKey(p))));
      if (owner) return { partition, activeHost: owner.applicationServer };
    }
    return { partition, activeHost: null };
  }

  /** Forget what is known: the next question describes the group again (after a rebalance). */
  invalidate(): void {
    this.members = null;
  }

  private current(): Promise<GroupMemberInfo[]> {
    const now = Date.now();
    if (!this.members || now - this.members.at > MAX_AGE_MS) {
      const list = this.admin.groupMembers(this.groupId);
      // A failed description is not cached: the next question asks again.
      list.catch(() => {
        if (this.members?.list === list) this.members = null;
      });
      this.members = { at: now, list };
    }
    return this.members.list;
  }
}
