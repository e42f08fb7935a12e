import {
  Connection,
  fetchV17,
  protocolErrorsCodesById,
  type ConnectionOptions,
  type Consumer,
} from '@platformatic/kafka';
import type { ConsumedRecord, RecordOutcome, TopicPartition } from '../ports/ports.ts';
import { tpKey } from '../ports/ports.ts';
import { decodeBatches, outcomeAt, type AbortedTransaction, type FetchedBatch } from './record-batches.ts';
import { toKafkaError, wrap } from './errors.ts';
import { principalOf } from './client-options.ts';

const READ_COMMITTED = 1;
/** Per-partition cap: keeps one hot partition from starving the others in a fetch. */
const PARTITION_MAX_BYTES = 1_048_576;
/** Whole-response cap: bounds memory per poll. */
const FETCH_MAX_BYTES = 16 * 1_048_576;
/** Full fetches, no incremental fetch session: every request names its partitions and offsets. */
const NO_SESSION = 0;
const NO_SESSION_EPOCH = -1;
/** Partition errors after which the leader must be looked up again. */
const STALE_LEADER = new Set([
  'NOT_LEADER_OR_FOLLOWER',
  'LEADER_NOT_AVAILABLE',
  'FENCED_LEADER_EPOCH',
  'UNKNOWN_LEADER_EPOCH',
  'UNKNOWN_TOPIC_OR_PARTITION',
  'UNKNOWN_TOPIC_ID',
  'KAFKA_STORAGE_ERROR',
]);

export interface FetchPosition extends TopicPartition {
  readonly offset: bigint;
}

export interface FetchResult {
  readonly records: ConsumedRecord[];
  /** Next offset per fetched partition (moves past transaction markers too). */
  readonly next: Map<string, bigint>;
  /** Partitions whose position is out of range (e.g. deleted records): the caller resets them. */
  readonly outOfRange: TopicPartition[];
}

interface ResponsePartition {
  readonly partitionIndex: number;
  readonly errorCode: number;
  readonly abortedTransactions: readonly AbortedTransaction[] | null;
  readonly records?: unknown;
}
interface FetchedPartition {
  readonly outOfRange: boolean;
  readonly batches: readonly FetchedBatch[];
  readonly abortedTransactions: readonly AbortedTransaction[];
}
interface FetchResponse {
  readonly responses: readonly {
    readonly topicId: string;
    readonly partitions: readonly ResponsePartition[];
  }[];
}

/**
 * read_committed fetches, sent by us on our own connections (one per broker) rather than through
 * the client's `fetch()`: the client filters aborted transactions itself, and wrongly — it drops a
 * producer's batches from its first listed aborted transaction up to the producer's LAST abort
 * marker in the response. A transaction that was aborted before it wrote anything to the partition
 * (a produce the broker never accepted, then the abort) leaves an abort marker with no listed
 * transaction, so every committed batch of that producer in between was dropped: committed
 * records lost on read (found by the broker-restart chaos test: 4,000 of 20,000 records missing
 * against the Java console consumer's count). `decodeBatches` applies the Java consumer's rule.
 *
 * A long poll: returns as soon as any partition has data, or after `maxWaitMs`; one request per
 * leader, in parallel. Errors of one partition affect that partition only.
 */
export class Fetcher {
  private readonly consumer: Consumer;
  private readonly clientId: string;
  /** TLS and SASL of the client's own connections (see client-options.ts). */
  private readonly connectionOptions: ConnectionOptions;
  private readonly connections = new Map<number, Promise<Connection>>();
  private refreshMetadata = false;

  constructor(consumer: Consumer, clientId: string, connectionOptions: ConnectionOptions = {}) {
    this.consumer = consumer;
    this.clientId = clientId;
    this.connectionOptions = connectionOptions;
  }

  async fetch(positions: readonly FetchPosition[], maxWaitMs: number): Promise<FetchResult> {
    const result: FetchResult = { records: [], next: new Map(), outOfRange: [] };
    await this.fetchPartitions(positions, maxWaitMs, (position, key, partition) => {
      if (partition.outOfRange) {
        result.outOfRange.push(position);
        return;
      }
      const decoded = decodeBatches(
        position.topic,
        position.partition,
        position.offset,
        partition.batches,
        partition.abortedTransactions,
      );
      result.records.push(...decoded.records);
      result.next.set(key, decoded.next);
    });
    return result;
  }

  /**
   * What the record at `position.offset` is to a read_committed reader (see `outcomeAt`). Used to
   * check that a store's checkpoint does not sit just past data the broker later aborted.
   */
  async outcomeAt(position: FetchPosition): Promise<RecordOutcome> {
    let outcome: RecordOutcome = 'absent';
    await this.fetchPartitions([position], 0, (_position, _key, partition) => {
      outcome = partition.outOfRange
        ? 'out-of-range'
        : outcomeAt(position.offset, partition.batches, partition.abortedTransactions);
    });
    return outcome;
  }

  /** One Fetch per leader, in parallel; calls `onPartition` for every partition answered without error. */
  private async fetchPartitions(
    positions: readonly FetchPosition[],
    maxWaitMs: number,
    onPartition: (position: FetchPosition, key: string, partition: FetchedPartition) => void,
  ): Promise<void> {
    if (positions.length === 0) return;
    const topics = [...new Set(positions.map((p) => p.topic))];
    const forceUpdate = this.refreshMetadata;
    this.refreshMetadata = false;
    const metadata = await wrap('metadata', () => this.consumer.metadata({ topics, forceUpdate }), {
      principal: principalOf(this.connectionOptions),
      operation: 'READ',
      topics,
    });
    const byNode = new Map<number, Map<string, FetchPosition[]>>();
    for (const position of positions) {
      const topic = metadata.topics.get(position.topic);
      const leader = topic?.partitions[position.partition]?.leader;
      if (!topic || leader === undefined || leader < 0) {
        this.refreshMetadata = true;
        continue;
      }
      const perTopic = byNode.get(leader) ?? new Map<string, FetchPosition[]>();
      perTopic.set(topic.id, [...(perTopic.get(topic.id) ?? []), position]);
      byNode.set(leader, perTopic);
    }
    const requested = new Map(positions.map((p) => [tpKey(p), p]));
    const topicById = new Map([...metadata.topics].map(([name, info]) => [info.id, name]));

    await Promise.all(
      [...byNode].map(async ([node, perTopic]) => {
        const broker = metadata.brokers.get(node);
        if (!broker) {
          this.refreshMetadata = true;
          return;
        }
        const response = await this.request(node, broker, perTopic, maxWaitMs);
        for (const topicResponse of response.responses) {
          const topic = topicById.get(topicResponse.topicId) ?? topicResponse.topicId;
          for (const partition of topicResponse.partitions) {
            const key = tpKey({ topic, partition: partition.partitionIndex });
            const position = requested.get(key);
            if (!position) continue;
            if (partition.errorCode !== 0) {
              const name = protocolErrorsCodesById[partition.errorCode] ?? `ERROR_${partition.errorCode}`;
              if (name === 'OFFSET_OUT_OF_RANGE')
                onPartition(position, key, { outOfRange: true, batches: [], abortedTransactions: [] });
              else if (STALE_LEADER.has(name)) this.refreshMetadata = true;
              continue;
            }
            if (!partition.records) continue;
            onPartition(position, key, {
              outOfRange: false,
              batches: partition.records as FetchedBatch[],
              abortedTransactions: partition.abortedTransactions ?? [],
            });
          }
        }
      }),
    );
  }

  async close(): Promise<void> {
    const connections = [...this.connections.values()];
    this.connections.clear();
    await Promise.all(
      connections.map(async (c) => (await c.catch(() => null))?.close().catch(() => undefined)),
    );
  }

  /** One Fetch request to a broker; partition errors come back in the response, not as a throw. */
  private async request(
    node: number,
    broker: { host: string; port: number },
    perTopic: Map<string, FetchPosition[]>,
    maxWaitMs: number,
  ): Promise<FetchResponse> {
    const topics = [...perTopic].map(([topicId, list]) => ({
      topicId,
      partitions: list.map((p) => ({
        partition: p.partition,
        currentLeaderEpoch: -1,
        fetchOffset: p.offset,
        lastFetchedEpoch: -1,
        partitionMaxBytes: PARTITION_MAX_BYTES,
      })),
    }));
    const connection = await this.connection(node, broker);
    try {
      return (await fetchV17.api.async(
        connection,
        maxWaitMs,
        1,
        FETCH_MAX_BYTES,
        READ_COMMITTED,
        NO_SESSION,
        NO_SESSION_EPOCH,
        topics,
        [],
        '',
      )) as unknown as FetchResponse;
    } catch (error) {
      // Partition-level errors: the client throws, but the parsed response is attached.
      const response = (error as { response?: FetchResponse }).response;
      if (response?.responses) return response;
      this.dropConnection(node);
      this.refreshMetadata = true;
      throw toKafkaError('fetch', error, {
        principal: principalOf(this.connectionOptions),
        operation: 'READ',
        topics: [...perTopic.values()].flatMap((list) => list.map((p) => p.topic)),
      });
    }
  }

  private connection(node: number, broker: { host: string; port: number }): Promise<Connection> {
    let connection = this.connections.get(node);
    if (!connection) {
      connection = (async () => {
        const created = new Connection(`${this.clientId}-fetch`, this.connectionOptions);
        // A socket error is reported to the pending request; unlistened, the emitter would throw.
        created.on('error', () => undefined);
        await created.connect(broker.host, broker.port);
        return created;
      })();
      this.connections.set(node, connection);
      connection.catch(() => this.dropConnection(node));
    }
    return connection;
  }

  private dropConnection(node: number): void {
    const connection = this.connections.get(node);
    this.connections.delete(node);
    void connection?.then((c) => c.close()).catch(() => undefined);
  }
}
