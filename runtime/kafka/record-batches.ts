import type { ConsumedRecord } from '../internals/ports.ts';
import type { Headers } from '../../topology/record.ts';

/** The shape of a fetched partition, as the client returns it (aborted transactions already filtered). */
export interface FetchedBatch {
  readonly firstOffset: bigint;
  readonly lastOffsetDelta: number;
  readonly firstTimestamp: bigint;
  readonly attributes: number;
  readonly records: readonly {
    readonly offsetDelta: number;
    readonly timestampDelta: bigint;
    readonly key: Buffer | null;
    readonly value: Buffer | null;
    readonly headers: readonly [Buffer | null, Buffer | null][];
  }[];
}

/** Transaction markers are control batches (attribute bit 5): they take an offset but carry no data. */
const IS_CONTROL = 0x20;

/**
 * Turns record batches into records at or after `from`, and returns the next offset to fetch
 * (after the last batch, control batches included, so consumption moves past commit markers).
 */
export function decodeBatches(
  topic: string,
  partition: number,
  from: bigint,
  batches: readonly FetchedBatch[],
): { records: ConsumedRecord[]; next: bigint } {
  const records: ConsumedRecord[] = [];
  let next = from;
  for (const batch of batches) {
    const last = batch.firstOffset + BigInt(batch.lastOffsetDelta);
    if (last + 1n > next) next = last + 1n;
    if (batch.attributes & IS_CONTROL) continue;
    for (const record of batch.records) {
      const offset = batch.firstOffset + BigInt(record.offsetDelta);
      // A fetch may start mid-batch: the broker returns the whole batch.
      if (offset < from) continue;
      const headers: Headers = new Map();
      for (const [key, value] of record.headers) {
        if (key) headers.set(key.toString('utf8'), value ?? Buffer.alloc(0));
      }
      records.push({
        topic,
        partition,
        offset,
        key: record.key,
        value: record.value,
        timestamp: Number(batch.firstTimestamp + record.timestampDelta),
        headers,
      });
    }
  }
  return { records, next };
}
