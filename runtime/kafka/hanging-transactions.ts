import {
  Connection,
  describeProducersV0,
  listOffsetsV9,
  metadataV12,
  type ClusterMetadata,
  type ConnectionOptions,
} from '@platformatic/kafka';
import type { TopicPartition } from '../internals/ports.ts';
import { toKafkaError, wrap } from './errors.ts';
import { writeTxnMarkersV1 } from './write-txn-markers.ts';

/** ListOffsets: the latest offset, as read_uncommitted readers see the end (open data included). */
const LATEST = -1n;
const READ_UNCOMMITTED = 0;

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
    partitions: { errorCode: number; partitionIndex: number; leaderId: number }[];
  }[];
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
   * partition of `topics`.
   */
  async find(
    topics: readonly string[],
    producerId: bigint,
    epoch: number,
    inclusive = false,
  ): Promise<OpenTransaction[]> {
    const byLeader = await this.partitionsByLeader(topics);
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
        for (const partition of topic.partitions)
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
    const byLeader = await this.partitionsByLeader([...new Set(open.map((o) => o.topic))]);
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
    const byLeader = await this.partitionsByLeader([...new Set(partitions.map((p) => p.topic))]);
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
   * Leaders of every partition of `topics`, from a Metadata request of our own: the client's
   * metadata leaves internal topics out, and `__consumer_offsets` is where a hanging transaction
   * keeps the group's committed offsets "unstable". Topics that do not exist are skipped.
   */
  private async partitionsByLeader(
    topics: readonly string[],
  ): Promise<Map<{ host: string; port: number }, TopicPartition[]>> {
    const known = await wrap('metadata', () => this.client.metadata({ topics: [] }));
    const anyBroker = [...known.brokers.values()][0];
    if (!anyBroker) return new Map();
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
    for (const topic of response.topics) {
      if (topic.errorCode !== 0 || !topic.name) continue;
      for (const p of topic.partitions) {
        if (p.errorCode !== 0 || p.leaderId < 0) continue;
        const list = byNode.get(p.leaderId) ?? [];
        list.push({ topic: topic.name, partition: p.partitionIndex });
        byNode.set(p.leaderId, list);
      }
    }
    const result = new Map<{ host: string; port: number }, TopicPartition[]>();
    for (const [node, partitions] of byNode) {
      const broker = brokers.get(node);
      if (broker) result.set(broker, partitions);
    }
    return result;
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
