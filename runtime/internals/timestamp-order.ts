import type { ConsumedRecord } from '../ports/ports.ts';
import { tpKey } from '../ports/ports.ts';

/**
 * The order a task processes one batch in, when it reads several partitions (co-partitioned
 * sources, a table beside a stream): by timestamp across partitions, each partition in offset
 * order — Kafka Streams' PartitionGroup always takes the partition whose head record is oldest.
 * In fetch order instead, a reservation could be processed before the stock update produced ahead
 * of it, only because the broker returned the repartition topic first.
 */
export function inTimestampOrder(records: readonly ConsumedRecord[]): ConsumedRecord[] {
  const byPartition = new Map<string, ConsumedRecord[]>();
  for (const record of records) {
    const key = tpKey(record);
    const list = byPartition.get(key);
    if (list) list.push(record);
    else byPartition.set(key, [record]);
  }
  if (byPartition.size <= 1) return [...records];
  const queues = [...byPartition.values()];
  const heads = queues.map(() => 0);
  const merged: ConsumedRecord[] = [];
  for (;;) {
    let best = -1;
    for (let q = 0; q < queues.length; q++) {
      const head = (queues[q] as ConsumedRecord[])[heads[q] as number];
      if (!head) continue;
      // Ties go to the partition met first in the batch: stable, and deterministic per fetch.
      if (
        best < 0 ||
        head.timestamp <
          ((queues[best] as ConsumedRecord[])[heads[best] as number] as ConsumedRecord).timestamp
      )
        best = q;
    }
    if (best < 0) return merged;
    merged.push((queues[best] as ConsumedRecord[])[heads[best] as number] as ConsumedRecord);
    heads[best] = (heads[best] as number) + 1;
  }
}
