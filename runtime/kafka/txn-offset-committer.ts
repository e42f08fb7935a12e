import { Connection, txnOffsetCommitV4, type ConnectionOptions, type Consumer } from '@platformatic/kafka';
import { KafkaClientError } from '../../engine-common/errors.ts';
import type { GroupMetadata, OffsetToCommit } from '../ports/ports.ts';
import { brokerErrorNames, toKafkaError } from './errors.ts';
import { principalOf } from './client-options.ts';

/** Answers that only mean "ask again in a moment" (the coordinator is moving or loading). */
const RETRIABLE = new Set([
  'COORDINATOR_NOT_AVAILABLE',
  'NOT_COORDINATOR',
  'COORDINATOR_LOAD_IN_PROGRESS',
  'CONCURRENT_TRANSACTIONS',
  'REQUEST_TIMED_OUT',
  'UNKNOWN_TOPIC_OR_PARTITION',
]);
const ATTEMPTS = 6;

export interface ProducerIdentity {
  readonly transactionalId: string;
  readonly producerId: bigint;
  readonly producerEpoch: number;
}

/**
 * KIP-447's TxnOffsetCommit with every partition of a commit in ONE request. The client library
 * sends one request per partition, one after the other: an app consuming 15 partitions paid 15
 * coordinator round trips per transaction. The connection to the group coordinator is kept
 * between commits and dropped on any error (the coordinator may have moved).
 */
export class TransactionalOffsetCommitter {
  private readonly clientId: string;
  /** TLS and SASL of the client's own connections (see client-options.ts). */
  private readonly connectionOptions: ConnectionOptions;
  private connection: { node: number; connection: Connection } | null = null;

  constructor(clientId: string, connectionOptions: ConnectionOptions = {}) {
    this.clientId = clientId;
    this.connectionOptions = connectionOptions;
  }

  async commit(
    consumer: Consumer,
    producer: ProducerIdentity,
    group: GroupMetadata,
    offsets: readonly OffsetToCommit[],
    retryWith?: () => Promise<GroupMetadata | null>,
  ): Promise<void> {
    let fence = group;
    let refenced = false;
    const byTopic = new Map<
      string,
      { partitionIndex: number; committedOffset: bigint; committedLeaderEpoch: number }[]
    >();
    for (const o of offsets) {
      const list = byTopic.get(o.topic) ?? [];
      list.push({ partitionIndex: o.partition, committedOffset: o.offset, committedLeaderEpoch: -1 });
      byTopic.set(o.topic, list);
    }
    const topics = [...byTopic].map(([name, partitions]) => ({ name, partitions }));
    for (let attempt = 1; ; attempt++) {
      try {
        const connection = await this.connect(consumer, attempt > 1);
        await txnOffsetCommitV4.api.async(
          connection,
          producer.transactionalId,
          fence.groupId,
          producer.producerId,
          producer.producerEpoch,
          fence.generationId,
          fence.memberId,
          fence.groupInstanceId,
          topics,
        );
        return;
      } catch (error) {
        await this.disconnect();
        const names = brokerErrorNames(error);
        // A rebalance completed under us. If it left every partition of this transaction ours,
        // the commit stands with the new generation; the transaction stays open meanwhile.
        if (names.includes('ILLEGAL_GENERATION') && retryWith && !refenced) {
          refenced = true;
          const next = await retryWith();
          if (next && next.generationId !== fence.generationId) {
            fence = next;
            attempt--;
            continue;
          }
        }
        const retriable = names.length === 0 || names.some((n) => RETRIABLE.has(n));
        if (!retriable || attempt >= ATTEMPTS)
          throw toKafkaError('txnOffsetCommit', error, {
            principal: principalOf(this.connectionOptions),
            group: group.groupId,
            transactionalId: producer.transactionalId,
          });
        await new Promise((r) => setTimeout(r, 10 * 2 ** attempt));
      }
    }
  }

  async close(): Promise<void> {
    await this.disconnect();
  }

  private async connect(consumer: Consumer, refresh: boolean): Promise<Connection> {
    const known = consumer.coordinatorId;
    const node =
      refresh || known === undefined || known === null ? await consumer.findGroupCoordinator() : known;
    if (this.connection?.node === node) return this.connection.connection;
    await this.disconnect();
    const metadata = await consumer.metadata({ topics: [] });
    const broker = metadata.brokers.get(node);
    if (!broker) throw new KafkaClientError(`Group coordinator ${node} is not in the metadata`);
    const connection = new Connection(`${this.clientId}-txn-offsets`, this.connectionOptions);
    // A socket error is reported to the pending request; unlistened, the emitter would throw.
    connection.on('error', () => undefined);
    await connection.connect(broker.host, broker.port);
    this.connection = { node, connection };
    return connection;
  }

  private async disconnect(): Promise<void> {
    const current = this.connection;
    this.connection = null;
    await current?.connection.close().catch(() => undefined);
  }
}
