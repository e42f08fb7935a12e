import type { Headers } from '../../engine-common/record.ts';

/**
 * What the streams runtime needs from Kafka, and nothing more. `internals/kafka-binding.ts` implements it
 * over the client module (runtime/kafka/); keeping the runtime on this narrow port makes the
 * commit protocol readable and leaves the client library replaceable.
 */
export interface TopicPartition {
  readonly topic: string;
  readonly partition: number;
}

export interface ConsumedRecord extends TopicPartition {
  readonly offset: bigint;
  readonly key: Buffer | null;
  readonly value: Buffer | null;
  readonly timestamp: number;
  readonly headers: Headers;
}

export interface ProducedRecord extends TopicPartition {
  readonly key: Buffer | null;
  readonly value: Buffer | null;
  readonly timestamp: number;
  readonly headers: Headers;
}

export interface OffsetToCommit extends TopicPartition {
  /** The next offset to consume (last processed + 1). */
  readonly offset: bigint;
}

/** KIP-447: the group generation a transactional offset commit is fenced with. */
export interface GroupMetadata {
  readonly groupId: string;
  readonly generationId: number;
  readonly memberId: string;
  readonly groupInstanceId: string | null;
}

export interface RebalanceListener {
  onAssigned(partitions: readonly TopicPartition[]): Promise<void>;
  onRevoked(partitions: readonly TopicPartition[]): Promise<void>;
}

export interface GroupConsumerPort {
  subscribe(topics: readonly string[], listener: RebalanceListener): Promise<void>;
  poll(maxWaitMs: number): Promise<ConsumedRecord[]>;
  pause(partitions: readonly TopicPartition[]): void;
  resume(partitions: readonly TopicPartition[]): void;
  seek(partition: TopicPartition, offset: bigint): void;
  /** The partitions the group gave this member (the source of truth the tasks are reconciled to). */
  assignment(): TopicPartition[];
  /** The next offset to fetch, or undefined when the partition has no position (never seeked, or reset after out-of-range). */
  position(partition: TopicPartition): bigint | undefined;
  commit(offsets: readonly OffsetToCommit[]): Promise<void>;
  committed(partitions: readonly TopicPartition[]): Promise<Map<string, bigint | null>>;
  /** The group generation to fence a transaction with whose consumed offsets cover `partitions`. */
  groupMetadata(partitions?: readonly TopicPartition[]): GroupMetadata;
  /**
   * After the coordinator refused that generation (a rebalance is completing): the generation to
   * retry with once this member has its new assignment, or null when the commit must fail.
   */
  groupMetadataAfterRebalance(partitions: readonly TopicPartition[]): Promise<GroupMetadata | null>;
  close(): Promise<void>;
}

export interface ProducerPort {
  readonly transactional: boolean;
  begin(): Promise<void>;
  /** Returns, per `topic:partition`, the offset of the last record written. */
  send(records: readonly ProducedRecord[]): Promise<Map<string, bigint>>;
  /** `retryWith`: asked once when the coordinator refuses `group`'s generation (ILLEGAL_GENERATION). */
  sendOffsets(
    offsets: readonly OffsetToCommit[],
    group: GroupMetadata,
    retryWith?: () => Promise<GroupMetadata | null>,
  ): Promise<void>;
  commit(): Promise<void>;
  abort(): Promise<void>;
  /** Initialises the transactional id now (fences and aborts what an earlier producer left open). */
  init(): Promise<void>;
  /**
   * Finishes an initialisation a reset or an abort left to do (repairs of lost markers included),
   * so that the changelogs' stable ends are final before tasks restore from them.
   */
  ready(): Promise<void>;
  /** A new producer in place of this one (same transactional id, bumped epoch, fresh sequences). */
  reset(): Promise<void>;
  close(): Promise<void>;
}

export interface TopicToCreate {
  readonly name: string;
  readonly partitions: number;
  readonly replicationFactor: number;
  readonly configs: Readonly<Record<string, string>>;
}

/** A member of a consumer group as the coordinator describes it. */
export interface GroupMemberInfo {
  readonly memberId: string;
  readonly instanceId: string | null;
  /** `host:port` the member serves interactive queries on (its `applicationServer`), if it said. */
  readonly applicationServer: string | null;
  readonly partitions: readonly TopicPartition[];
}

export interface AdminPort {
  createTopics(topics: readonly TopicToCreate[]): Promise<void>;
  /** The group's members with their assignments (empty while it rebalances or has no members). */
  groupMembers(groupId: string): Promise<GroupMemberInfo[]>;
  /**
   * Partition count per existing topic; missing topics are absent from the map. A topic hidden
   * from an authenticated principal (no ACL: the broker lists it as if missing) throws the
   * access-denied error instead, naming `intent` (what the caller means to do; DESCRIBE by default).
   */
  partitionCounts(
    topics: readonly string[],
    intent?: 'DESCRIBE' | 'READ' | 'WRITE',
  ): Promise<Map<string, number>>;
  /** Last stable offset (read_committed end) per partition. */
  endOffsets(partitions: readonly TopicPartition[]): Promise<Map<string, bigint>>;
  /** High watermark (read_uncommitted end: open transactions' data included) per partition. */
  highWatermarks(partitions: readonly TopicPartition[]): Promise<Map<string, bigint>>;
  beginningOffsets(partitions: readonly TopicPartition[]): Promise<Map<string, bigint>>;
}

/**
 * What the record at an offset is to a read_committed reader: committed data, aborted data, a
 * transaction marker, `absent` when no batch holds it (beyond the last stable offset, so still
 * undecided, or removed by compaction), or `out-of-range` (before the log start or after its end).
 */
export type RecordOutcome = 'committed' | 'aborted' | 'marker' | 'absent' | 'out-of-range';

export interface PartitionReaderPort {
  /** Reads committed records of one partition in [from, to), in batches. */
  read(partition: TopicPartition, from: bigint, to: bigint): AsyncIterable<ConsumedRecord[]>;
  /** What the record at `offset` is (see RecordOutcome). */
  outcomeAt(partition: TopicPartition, offset: bigint): Promise<RecordOutcome>;
}

export interface KafkaPorts {
  readonly admin: AdminPort;
  readonly consumer: GroupConsumerPort;
  readonly producer: ProducerPort;
  readonly reader: PartitionReaderPort;
  partitionFor(key: Buffer, partitions: number): number;
  close(): Promise<void>;
}

export function tpKey(tp: TopicPartition): string {
  return `${tp.topic}:${tp.partition}`;
}
