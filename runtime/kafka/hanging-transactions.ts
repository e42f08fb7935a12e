import {
  Connection,
  describeProducersV0,
  fetchV17,
  listOffsetsV9,
  metadataV12,
  type ClusterMetadata,
  type ConnectionOptions,
} from '@platformatic/kafka';
import { KafkaClientError } from '../../engine-common/errors.ts';
import type { ProducedRecord, TopicPartition } from '../ports/ports.ts';
import type { FetchedBatch } from './record-batches.ts';
import { toKafkaError, wrap } from './errors.ts';
import { writeTxnMarkersV1 } from './write-txn-markers.ts';

/** ListOffsets: the latest offset, as read_uncommitted readers see the end (open data included). */
const LATEST = -1n;
const READ_UNCOMMITTED = 0;
/** Record batch attribute bit 5: a transaction marker. */
const IS_CONTROL = 0x20;
/** Fetch sizes for reading a run of our own records back (see ownRecords). */
const READ_BACK_MAX_BYTES = 4 * 1_048_576;

/** Any client of the library: it knows the leaders. */
interface MetadataSource {
  metadata(options: { topics: string[]; forceUpdate?: boolean }): Promise<ClusterMetadata>;
}

/** A transaction a partition still holds open for a producer (DescribeProducers). */
export interface OpenTransaction extends TopicPartition {
  readonly producerId: bigint;
  readonly producerEpoch: number;
  readonly coordinatorEpoch: number;
  readonly startOffset: bigint;
  /** How it was ended, once it was. */
  readonly decision?: 'commit' | 'abort';
}

interface ActiveProducer {
  producerId: bigint;
  producerEpoch: number;
  coordinatorEpoch: number;
  currentTxnStartOffset: bigint;
}

interface RawMetadata {
  brokers: { nodeId: number; host: string; port: number }[];
  topics: {
    errorCode: number;
    name: string | null;
    topicId: string;
    partitions: { errorCode: number; partitionIndex: number; leaderId: number }[];
  }[];
}

interface RawFetchResponse {
  responses: {
    topicId: string;
    partitions: { partitionIndex: number; errorCode: number; records?: unknown }[];
  }[];
}

/** One of our records read back, where it lies in its partition. */
export interface OwnRecord {
  readonly offset: bigint;
  readonly record: ProducedRecord;
}

/** Where to find a partition's leader, and which topic id Fetch needs for it. */
interface LeaderMap {
  readonly byLeader: Map<{ host: string; port: number }, TopicPartition[]>;
  readonly topicIds: Map<string, string>;
}

interface DescribeProducersResponse {
  topics: {
    name: string;
    partitions: { partitionIndex: number; errorCode: number; activeProducers: ActiveProducer[] }[];
  }[];
}

/**
 * Finds and aborts transactions that partitions hold open for our producer after its coordinator
 * has moved on ("hanging" transactions, KIP-664). They appear when the only broker stops right
 * after a commit or an abort was decided: its coordinator finds no partition leader, skips the
 * markers ("likely deleted already") and records the transaction complete. The partitions keep it
 * open for good: their last stable offset stops there, read_committed readers (our restoration,
 * every downstream consumer) stop there, and the group's committed offsets answer "unstable"
 * forever. Once our producer has re-initialised, any transaction still open at an older epoch of
 * our producer id can only be such a leftover. It is ended as its coordinator decided when this
 * process knows the decision (a commit whose marker was lost is committed: the other partitions of
 * that transaction already were), and aborted otherwise — what `kafka-transactions.sh abort` does
 * by hand. Stores that may hold aborted records are checked at restoration (restorer.ts).
 */
export class HangingTransactions {
  private readonly client: MetadataSource;
  private readonly clientId: string;
  /** TLS and SASL of the client's own connections (see client-options.ts). */
  private readonly connectionOptions: ConnectionOptions;

  constructor(client: MetadataSource, clientId: string, connectionOptions: ConnectionOptions = {}) {
    this.client = client;
    this.clientId = clientId;
    this.connectionOptions = connectionOptions;
  }

  /**
   * Transactions open for `producerId` at an epoch below `epoch` (or up to it, `inclusive`) in any
   * partition of `topics`. `strict`: a partition whose leader is unknown or that answers with an
   * error fails the search, rather than being passed over as holding nothing (before an abort, a
   * transaction missed is a committed one lost).
   */
  async find(
    topics: readonly string[],
    producerId: bigint,
    epoch: number,
    options: { inclusive?: boolean; strict?: boolean } = {},
  ): Promise<OpenTransaction[]> {
    const inclusive = options.inclusive ?? false;
    const strict = options.strict ?? false;
    const { byLeader } = await this.partitionsByLeader(topics, strict);
    const open: OpenTransaction[] = [];
    for (const [broker, partitions] of byLeader) {
      const response = (await this.send(broker, 'describeProducers', (connection) =>
        describeProducersV0.api.async(connection, groupByTopic(partitions)).catch((error: unknown) => {
          // Errors of single partitions (a leader moving): the parsed response comes with them.
          const parsed = (error as { response?: DescribeProducersResponse }).response;
          if (parsed?.topics) return parsed;
          throw error;
        }),
      )) as DescribeProducersResponse;
      for (const topic of response.topics)
        for (const partition of topic.partitions) {
          if (strict && partition.errorCode !== 0)
            throw new KafkaClientError(
              `describeProducers failed for ${topic.name}:${partition.partitionIndex} (error ${partition.errorCode}); ` +
                'cannot tell which of our transactions it holds open',
            );
          for (const producer of partition.activeProducers ?? [])
            if (
              producer.producerId === producerId &&
              (inclusive ? producer.producerEpoch <= epoch : producer.producerEpoch < epoch) &&
              producer.currentTxnStartOffset >= 0n
            )
              open.push({
                topic: topic.name,
                partition: partition.partitionIndex,
                producerId,
                producerEpoch: producer.producerEpoch,
                coordinatorEpoch: producer.coordinatorEpoch,
                startOffset: producer.currentTxnStartOffset,
              });
        }
    }
    return open;
  }

  /**
   * Ends each one with the marker `decide` gives it — the coordinator's lost decision when we know
   * it (see transaction-outcomes.ts), else abort — at its own epoch, through the partition's leader.
   */
  async end(
    open: readonly OpenTransaction[],
    decide: (open: OpenTransaction) => 'commit' | 'abort',
  ): Promise<void> {
    if (open.length === 0) return;
    const { byLeader } = await this.partitionsByLeader([...new Set(open.map((o) => o.topic))], false);
    // Every partition to end must have a leader (the others of its topics need not).
    const led = new Set([...byLeader.values()].flat().map((p) => `${p.topic}:${p.partition}`));
    const leaderless = open.filter((o) => !led.has(`${o.topic}:${o.partition}`));
    if (leaderless.length > 0)
      throw new KafkaClientError(
        `no leader known for ${leaderless.map((o) => `${o.topic}:${o.partition}`).join(', ')}`,
        { brokerErrors: ['LEADER_NOT_AVAILABLE'] },
      );
    for (const [broker, partitions] of byLeader) {
      const here = open.filter((o) =>
        partitions.some((p) => p.topic === o.topic && p.partition === o.partition),
      );
      if (here.length === 0) continue;
      const markers = here.map((o) => ({
        producerId: o.producerId,
        producerEpoch: o.producerEpoch,
        commit: decide(o) === 'commit',
        topics: [{ name: o.topic, partitionIndexes: [o.partition] }],
        coordinatorEpoch: o.coordinatorEpoch,
      }));
      await this.send(broker, 'writeTxnMarkers', (connection) =>
        writeTxnMarkersV1.async(connection, markers),
      );
    }
  }

  /** The log end (high watermark) of each partition, from its leader: where its data stops. */
  async endOffsets(partitions: readonly TopicPartition[]): Promise<Map<string, bigint>> {
    const result = new Map<string, bigint>();
    if (partitions.length === 0) return result;
    const wanted = new Set(partitions.map((p) => `${p.topic}:${p.partition}`));
    const { byLeader } = await this.partitionsByLeader([...new Set(partitions.map((p) => p.topic))], true);
    for (const [broker, led] of byLeader) {
      const here = led.filter((p) => wanted.has(`${p.topic}:${p.partition}`));
      if (here.length === 0) continue;
      const topics = groupByTopic(here).map(({ name, partitionIndexes }) => ({
        name,
        partitions: partitionIndexes.map((partitionIndex) => ({
          partitionIndex,
          currentLeaderEpoch: -1,
          timestamp: LATEST,
        })),
      }));
      const response = await this.send(broker, 'listOffsets', (connection) =>
        listOffsetsV9.api.async(connection, -1, READ_UNCOMMITTED, topics),
      );
      for (const topic of response.topics)
        for (const p of topic.partitions)
          if (p.errorCode === 0) result.set(`${topic.name}:${p.partitionIndex}`, p.offset);
    }
    return result;
  }

  /**
   * The records `producerId` wrote to `partition` in [from, to), read back as written (read
   * uncommitted: they may belong to a transaction still open), oldest first. Markers and other
   * producers' records are left out.
   */
  async ownRecords(
    partition: TopicPartition,
    from: bigint,
    to: bigint,
    producerId: bigint,
  ): Promise<OwnRecord[]> {
    const own: OwnRecord[] = [];
    if (from >= to) return own;
    const { byLeader, topicIds } = await this.partitionsByLeader([partition.topic], true);
    const leader = [...byLeader].find(([, led]) => led.some((p) => p.partition === partition.partition))?.[0];
    const topicId = topicIds.get(partition.topic);
    if (!leader || !topicId)
      throw new KafkaClientError(`no leader known for ${partition.topic}:${partition.partition}`);
    let position = from;
    while (position < to) {
      const fetchOffset = position;
      const response = (await this.send(leader, 'fetch', (connection) =>
        fetchV17.api.async(
          connection,
          0,
          1,
          READ_BACK_MAX_BYTES,
          READ_UNCOMMITTED,
          0,
          -1,
          [
            {
              topicId,
              partitions: [
                {
                  partition: partition.partition,
                  currentLeaderEpoch: -1,
                  fetchOffset,
                  lastFetchedEpoch: -1,
                  partitionMaxBytes: READ_BACK_MAX_BYTES,
                },
              ],
            },
          ],
          [],
          '',
        ),
      )) as unknown as RawFetchResponse;
      const answer = response.responses[0]?.partitions[0];
      if (!answer || answer.errorCode !== 0)
        throw new KafkaClientError(
          `reading back ${partition.topic}:${partition.partition} at ${fetchOffset} failed (error ${answer?.errorCode ?? 'none'})`,
        );
      const batches = (answer.records ?? []) as FetchedBatch[];
      let next = position;
      for (const batch of batches) {
        const last = batch.firstOffset + BigInt(batch.lastOffsetDelta);
        if (last + 1n > next) next = last + 1n;
        if (batch.attributes & IS_CONTROL || batch.producerId !== producerId) continue;
        for (const r of batch.records) {
          const offset = batch.firstOffset + BigInt(r.offsetDelta);
          if (offset < from || offset >= to) continue;
          const headers = new Map<string, Buffer>();
          for (const [key, value] of r.headers)
            if (key) headers.set(key.toString('utf8'), value ?? Buffer.alloc(0));
          own.push({
            offset,
            record: {
              topic: partition.topic,
              partition: partition.partition,
              key: r.key,
              value: r.value,
              timestamp: Number(batch.firstTimestamp + r.timestampDelta),
              headers,
            },
          });
        }
      }
      if (next <= position)
        throw new KafkaClientError(
          `reading back ${partition.topic}:${partition.partition} stopped at ${position}, before ${to}`,
        );
      position = next;
    }
    return own;
  }

  /**
   * Leaders of every partition of `topics`, from a Metadata request of our own: the client's
   * metadata leaves internal topics out, and `__consumer_offsets` is where a hanging transaction
   * keeps the group's committed offsets "unstable". Topics that do not exist are skipped; a
   * partition without a leader is skipped too, or fails the lookup when `strict`.
   */
  private async partitionsByLeader(topics: readonly string[], strict: boolean): Promise<LeaderMap> {
    const known = await wrap('metadata', () => this.client.metadata({ topics: [] }));
    const anyBroker = [...known.brokers.values()][0];
    const topicIds = new Map<string, string>();
    if (!anyBroker) return { byLeader: new Map(), topicIds };
    const response = (await this.send(anyBroker, 'metadata', (connection) =>
      metadataV12.api.async(connection, [...topics], false, false).catch((error: unknown) => {
        // Missing topics come back as errors of theirs, with the rest of the answer attached.
        const parsed = (error as { response?: RawMetadata }).response;
        if (parsed?.topics) return parsed;
        throw error;
      }),
    )) as RawMetadata;
    const brokers = new Map(response.brokers.map((b) => [b.nodeId, { host: b.host, port: b.port }]));
    const byNode = new Map<number, TopicPartition[]>();
    const leaderless: string[] = [];
    for (const topic of response.topics) {
      if (topic.errorCode !== 0 || !topic.name) continue;
      topicIds.set(topic.name, topic.topicId);
      for (const p of topic.partitions) {
        if (p.errorCode !== 0 || p.leaderId < 0 || !brokers.has(p.leaderId)) {
          leaderless.push(`${topic.name}:${p.partitionIndex}`);
          continue;
        }
        const list = byNode.get(p.leaderId) ?? [];
        list.push({ topic: topic.name, partition: p.partitionIndex });
        byNode.set(p.leaderId, list);
      }
    }
    if (strict && leaderless.length > 0)
      throw new KafkaClientError(`no leader known for ${leaderless.slice(0, 5).join(', ')}`, {
        brokerErrors: ['LEADER_NOT_AVAILABLE'],
      });
    const byLeader = new Map<{ host: string; port: number }, TopicPartition[]>();
    for (const [node, partitions] of byNode) {
      const broker = brokers.get(node);
      if (broker) byLeader.set(broker, partitions);
    }
    return { byLeader, topicIds };
  }

  /** One request on a connection of its own: this runs rarely (after a producer re-initialises). */
  private async send<T>(
    broker: { host: string; port: number },
    operation: string,
    request: (connection: Connection) => Promise<T>,
  ): Promise<T> {
    const connection = new Connection(`${this.clientId}-txn-repair`, this.connectionOptions);
    connection.on('error', () => undefined);
    try {
      await connection.connect(broker.host, broker.port);
      return await request(connection);
    } catch (error) {
      throw toKafkaError(operation, error);
    } finally {
      await connection.close().catch(() => undefined);
    }
  }
}

function groupByTopic(partitions: readonly TopicPartition[]): { name: string; partitionIndexes: number[] }[] {
  const byTopic = new Map<string, number[]>();
  for (const p of partitions) byTopic.set(p.topic, [...(byTopic.get(p.topic) ?? []), p.partition]);
  return [...byTopic].map(([name, partitionIndexes]) => ({ name, partitionIndexes }));
}
