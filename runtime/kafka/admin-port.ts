import { Admin, Consumer, ListOffsetTimestamps } from '@platformatic/kafka';
import { KafkaClientError } from '../../engine-common/errors.ts';
import type { AdminPort, GroupMemberInfo, TopicPartition, TopicToCreate } from '../ports/ports.ts';
import { decodeMemberUserData } from './member-user-data.ts';
import { tpKey } from '../ports/ports.ts';
import { baseOptions, type ClientSettings } from './client-options.ts';
import { brokerErrorNames, toKafkaError, wrap } from './errors.ts';
import { principalName } from '../security.ts';

const READ_COMMITTED = 1;
const READ_UNCOMMITTED = 0;
/** Answers that mean "this leader information is stale or not applied yet": worth asking again. */
const STALE_LEADER_ERRORS = new Set([
  'UNKNOWN_LEADER_EPOCH',
  'FENCED_LEADER_EPOCH',
  'NOT_LEADER_OR_FOLLOWER',
  'LEADER_NOT_AVAILABLE',
]);
/** Up to about 20 s in all (200 ms, 400 ms, … between attempts). */
const STALE_LEADER_ATTEMPTS = 14;
const STALE_LEADER_BACKOFF_MS = 200;
/** Kafka's error code for TOPIC_AUTHORIZATION_FAILED. */
const TOPIC_AUTHORIZATION_FAILED_CODE = 29;
/** DescribeConfigs resource type of a topic. */
const TOPIC_RESOURCE = 2;

/** Topic management and offset look-ups. Offsets are listed read_committed (the last stable offset). */
export class KafkaAdmin implements AdminPort {
  private readonly admin: Admin;
  /** listOffsets lives on the consumer in this client; this one never joins a group. */
  private readonly offsets: Consumer;
  /** Who we are to the broker: named when it refuses us. */
  private readonly principal: string;

  constructor(settings: ClientSettings) {
    this.admin = new Admin(baseOptions(settings, 'admin'));
    this.principal = principalName(settings.security);
    this.offsets = new Consumer({
      ...baseOptions(settings, 'offsets'),
      groupId: `${settings.clientId}-offsets`,
    });
  }

  async createTopics(topics: readonly TopicToCreate[]): Promise<void> {
    for (const topic of topics) {
      try {
        await this.admin.createTopics({
          topics: [topic.name],
          partitions: topic.partitions,
          replicas: topic.replicationFactor,
          configs: Object.entries(topic.configs).map(([name, value]) => ({ name, value })),
        });
      } catch (error) {
        if (!brokerErrorNames(error).includes('TOPIC_ALREADY_EXISTS')) {
          const refused = toKafkaError('createTopics', error, {
            principal: this.principal,
            operation: 'CREATE',
            topics: [topic.name],
          });
          if (refused instanceof KafkaClientError && refused.recovery === 'fatal') throw refused;
          throw new KafkaClientError(`Creating topic ${topic.name} failed: ${(error as Error).message}`, {
            cause: error,
          });
        }
        const existing = await this.partitionCountOnceVisible(topic.name);
        if (existing !== topic.partitions) {
          throw new KafkaClientError(
            `Topic ${topic.name} exists with ${existing ?? 'an unknown number of'} partitions, but ${topic.partitions} are required`,
          );
        }
      }
    }
  }

  /**
   * Another instance that creates the same topic a moment earlier makes ours answer
   * TOPIC_ALREADY_EXISTS before the topic shows in the metadata: wait for it to show (a few
   * seconds at most) instead of calling its partition count "undefined".
   */
  private async partitionCountOnceVisible(topic: string): Promise<number | undefined> {
    const deadline = Date.now() + 10_000;
    for (;;) {
      const count = (await this.partitionCounts([topic])).get(topic);
      if (count !== undefined || Date.now() > deadline) return count;
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  async groupMembers(groupId: string): Promise<GroupMemberInfo[]> {
    const groups = await wrap('describeGroups', () => this.admin.describeGroups({ groups: [groupId] }), {
      principal: this.principal,
      group: groupId,
    });
    const group = groups.get(groupId);
    if (!group || String(group.state).toUpperCase() !== 'STABLE') return [];
    return [...group.members.values()].map((member) => ({
      memberId: member.id,
      instanceId: member.groupInstanceId ?? null,
      applicationServer: decodeMemberUserData(member.metadata?.metadata).applicationServer,
      partitions: [...(member.assignments?.values() ?? [])].flatMap((a) =>
        a.partitions.map((partition) => ({ topic: a.topic, partition })),
      ),
    }));
  }

  /** A real metadata round trip: proves the broker answers the protocol, not just the port. */
  async ping(): Promise<void> {
    await wrap('metadata', () => this.admin.metadata({ topics: [], forceUpdate: true }), {
      principal: this.principal,
    });
  }

  async deleteTopics(names: readonly string[]): Promise<void> {
    await wrap('deleteTopics', () => this.admin.deleteTopics({ topics: [...names] }), {
      principal: this.principal,
      operation: 'DELETE',
      topics: names,
    });
  }

  async partitionCounts(
    topics: readonly string[],
    intent: 'DESCRIBE' | 'READ' | 'WRITE' = 'DESCRIBE',
  ): Promise<Map<string, number>> {
    const counts = new Map<string, number>();
    if (topics.length === 0) return counts;
    const existing = new Set(
      await wrap('listTopics', () => this.admin.listTopics(), { principal: this.principal }),
    );
    const present = topics.filter((t) => existing.has(t));
    const unlisted = topics.filter((t) => !existing.has(t));
    if (unlisted.length > 0 && this.principal !== 'ANONYMOUS') await this.refuseHidden(unlisted, intent);
    if (present.length === 0) return counts;
    const metadata = await wrap(
      'metadata',
      () => this.admin.metadata({ topics: present, forceUpdate: true }),
      { principal: this.principal, operation: intent, topics: present },
    );
    for (const topic of present) {
      const info = metadata.topics.get(topic);
      // A topic still being created can be listed before its partitions are: not known yet.
      if (info && info.partitionsCount > 0) counts.set(topic, info.partitionsCount);
    }
    return counts;
  }

  /**
   * The largest record batch each topic accepts (`max.message.bytes`, the broker's
   * `message.max.bytes` unless the topic overrides it), as the broker reports it.
   */
  async maxMessageBytes(topics: readonly string[]): Promise<Map<string, number>> {
    const result = new Map<string, number>();
    if (topics.length === 0) return result;
    const described = await wrap(
      'describeConfigs',
      () =>
        this.admin.describeConfigs({
          resources: topics.map((name) => ({
            resourceType: TOPIC_RESOURCE,
            resourceName: name,
            configurationKeys: ['max.message.bytes'],
          })),
        }),
      { principal: this.principal, operation: 'DESCRIBE_CONFIGS', topics },
    );
    for (const resource of described) {
      const value = resource.configs.find((c) => c.name === 'max.message.bytes')?.value;
      if (value) result.set(resource.resourceName, Number(value));
    }
    return result;
  }

  endOffsets(partitions: readonly TopicPartition[]): Promise<Map<string, bigint>> {
    return this.listOffsets(partitions, ListOffsetTimestamps.LATEST);
  }

  highWatermarks(partitions: readonly TopicPartition[]): Promise<Map<string, bigint>> {
    return this.listOffsets(partitions, ListOffsetTimestamps.LATEST, READ_UNCOMMITTED);
  }

  beginningOffsets(partitions: readonly TopicPartition[]): Promise<Map<string, bigint>> {
    return this.listOffsets(partitions, ListOffsetTimestamps.EARLIEST);
  }

  /**
   * The broker leaves topics a principal may not describe out of its listings, so to an
   * authenticated client a denied topic looks missing ("Topic stock does not exist"). Ask for the
   * unlisted ones by name, once (no retries: a missing topic answers UNKNOWN_TOPIC_OR_PARTITION,
   * which is fine): the broker then says which are denied, and the caller gets that sentence.
   */
  private async refuseHidden(
    unlisted: readonly string[],
    intent: 'DESCRIBE' | 'READ' | 'WRITE',
  ): Promise<void> {
    try {
      await this.admin.metadata({ topics: [...unlisted], forceUpdate: true, retries: 0 });
    } catch (error) {
      if (!brokerErrorNames(error).includes('TOPIC_AUTHORIZATION_FAILED')) return;
      const response = (error as { response?: { topics?: { name: string | null; errorCode: number }[] } })
        .response;
      const denied = response?.topics?.filter((t) => t.errorCode === TOPIC_AUTHORIZATION_FAILED_CODE);
      throw toKafkaError('metadata', error, {
        principal: this.principal,
        operation: intent,
        topics: denied?.length ? denied.map((t) => t.name ?? '?') : unlisted,
      });
    }
  }

  async close(): Promise<void> {
    await Promise.allSettled([this.admin.close(), this.offsets.close()]);
  }

  private async listOffsets(
    partitions: readonly TopicPartition[],
    timestamp: bigint,
    isolationLevel = READ_COMMITTED,
  ): Promise<Map<string, bigint>> {
    const result = new Map<string, bigint>();
    if (partitions.length === 0) return result;
    const byTopic = new Map<string, number[]>();
    for (const tp of partitions) byTopic.set(tp.topic, [...(byTopic.get(tp.topic) ?? []), tp.partition]);
    const ask = () =>
      wrap(
        'listOffsets',
        () =>
          this.offsets.listOffsets({
            topics: [...byTopic.keys()],
            partitions: Object.fromEntries(byTopic),
            timestamp,
            isolationLevel,
          }),
        { principal: this.principal, operation: 'DESCRIBE', topics: [...byTopic.keys()] },
      );
    let offsets: Awaited<ReturnType<typeof ask>>;
    for (let attempt = 1; ; attempt++) {
      try {
        offsets = await ask();
        break;
      } catch (error) {
        // Right after a broker restart its partitions can lag behind the leader epochs its own
        // metadata already announces (UNKNOWN_LEADER_EPOCH for seconds); the client retries the
        // same request with the same epoch and gives up. Ask again on fresh metadata, a while.
        const stale =
          error instanceof KafkaClientError && error.brokerErrors.some((e) => STALE_LEADER_ERRORS.has(e));
        if (!stale || attempt >= STALE_LEADER_ATTEMPTS) throw error;
        this.offsets.clearMetadata();
        await new Promise((resolve) => setTimeout(resolve, STALE_LEADER_BACKOFF_MS * attempt));
      }
    }
    for (const tp of partitions) {
      const offset = offsets.get(tp.topic)?.[tp.partition];
      if (offset !== undefined) result.set(tpKey(tp), offset);
    }
    return result;
  }
}
