import { Connection, describeProducersV0, type ClusterMetadata } from '@platformatic/kafka';
import type { TopicPartition } from '../internals/ports.ts';
import { toKafkaError, wrap } from './errors.ts';
import { writeTxnMarkersV1 } from './write-txn-markers.ts';

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
}

interface ActiveProducer {
  producerId: bigint;
  producerEpoch: number;
  coordinatorEpoch: number;
  currentTxnStartOffset: bigint;
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
 * our producer id can only be such a leftover, and aborting it is what `kafka-transactions.sh
 * abort` does by hand. Its records are then aborted everywhere, and the stores, which may hold
 * them, are checked at restoration (restorer.ts).
 */
export class HangingTransactions {
  private readonly client: MetadataSource;
  private readonly clientId: string;

  constructor(client: MetadataSource, clientId: string) {
    this.client = client;
    this.clientId = clientId;
  }

  /** Transactions open for `producerId` at an epoch below `epoch` in any partition of `topics`. */
  async find(topics: readonly string[], producerId: bigint, epoch: number): Promise<OpenTransaction[]> {
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
              producer.producerEpoch < epoch &&
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

  /** Writes an abort marker for each, at its own epoch, through the partition's leader. */
  async abort(open: readonly OpenTransaction[]): Promise<void> {
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
        commit: false,
        topics: [{ name: o.topic, partitionIndexes: [o.partition] }],
        coordinatorEpoch: o.coordinatorEpoch,
      }));
      await this.send(broker, 'writeTxnMarkers', (connection) =>
        writeTxnMarkersV1.async(connection, markers),
      );
    }
  }

  private async partitionsByLeader(
    topics: readonly string[],
  ): Promise<Map<{ host: string; port: number }, TopicPartition[]>> {
    // One topic per request: a topic that does not exist (yet) must not hide the others.
    const described = await Promise.all(
      topics.map((topic) =>
        wrap('metadata', () => this.client.metadata({ topics: [topic], forceUpdate: true })).catch(
          () => null,
        ),
      ),
    );
    const byNode = new Map<number, TopicPartition[]>();
    const brokers = new Map<number, { host: string; port: number }>();
    topics.forEach((topic, i) => {
      const metadata = described[i];
      const info = metadata?.topics.get(topic);
      if (!metadata || !info) return;
      for (const [node, broker] of metadata.brokers) brokers.set(node, broker);
      info.partitions.forEach((p, partition) => {
        if (p.leader < 0) return;
        byNode.set(p.leader, [...(byNode.get(p.leader) ?? []), { topic, partition }]);
      });
    });
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
    const connection = new Connection(`${this.clientId}-txn-repair`);
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
