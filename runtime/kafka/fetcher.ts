import type { Consumer } from '@platformatic/kafka';
import type { ConsumedRecord, TopicPartition } from '../internals/ports.ts';
import { tpKey } from '../internals/ports.ts';
import { decodeBatches, type AbortedTransaction, type FetchedBatch } from './record-batches.ts';
import { brokerErrorNames, wrap } from './errors.ts';

const READ_COMMITTED = 1;
/** Per-partition cap: keeps one hot partition from starving the others in a fetch. */
const PARTITION_MAX_BYTES = 1_048_576;
/** Whole-response cap: bounds memory per poll. */
const FETCH_MAX_BYTES = 16 * 1_048_576;

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

/**
 * One read_committed fetch round over the given positions: a long poll (returns as soon as any
 * partition has data, or after `maxWaitMs`), one request per leader in parallel.
 */
export async function fetchOnce(
  consumer: Consumer,
  positions: readonly FetchPosition[],
  maxWaitMs: number,
): Promise<FetchResult> {
  const result: FetchResult = { records: [], next: new Map(), outOfRange: [] };
  if (positions.length === 0) return result;
  const topics = [...new Set(positions.map((p) => p.topic))];
  const metadata = await wrap('metadata', () => consumer.metadata({ topics }));
  const byNode = new Map<number, Map<string, FetchPosition[]>>();
  for (const position of positions) {
    const topic = metadata.topics.get(position.topic);
    const leader = topic?.partitions[position.partition]?.leader;
    if (!topic || leader === undefined || leader < 0) continue;
    const perTopic = byNode.get(leader) ?? new Map<string, FetchPosition[]>();
    perTopic.set(topic.id, [...(perTopic.get(topic.id) ?? []), position]);
    byNode.set(leader, perTopic);
  }
  const requested = new Map(positions.map((p) => [tpKey(p), p]));
  const topicById = new Map([...metadata.topics].map(([name, info]) => [info.id, name]));

  await Promise.all(
    [...byNode].map(async ([node, perTopic]) => {
      let response;
      try {
        response = await consumer.fetch({
          node,
          maxWaitTime: maxWaitMs,
          minBytes: 1,
          maxBytes: FETCH_MAX_BYTES,
          isolationLevel: READ_COMMITTED,
          topics: [...perTopic].map(([topicId, list]) => ({
            topicId,
            partitions: list.map((p) => ({
              partition: p.partition,
              currentLeaderEpoch: -1,
              fetchOffset: p.offset,
              lastFetchedEpoch: -1,
              partitionMaxBytes: PARTITION_MAX_BYTES,
            })),
          })),
        });
      } catch (error) {
        if (brokerErrorNames(error).includes('OFFSET_OUT_OF_RANGE')) {
          for (const list of perTopic.values()) result.outOfRange.push(...list);
          return;
        }
        throw error;
      }
      for (const topicResponse of response.responses) {
        const topic = topicById.get(topicResponse.topicId) ?? topicResponse.topicId;
        for (const partition of topicResponse.partitions) {
          const position = requested.get(tpKey({ topic, partition: partition.partitionIndex }));
          // Fetch sessions may return partitions this round did not ask for: their data is stale.
          if (!position || !partition.records) continue;
          const decoded = decodeBatches(
            topic,
            partition.partitionIndex,
            position.offset,
            partition.records as unknown as FetchedBatch[],
            (partition.abortedTransactions ?? []) as readonly AbortedTransaction[],
          );
          result.records.push(...decoded.records);
          result.next.set(tpKey(position), decoded.next);
        }
      }
    }),
  );
  return result;
}
