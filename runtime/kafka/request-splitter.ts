import type { ProducedRecord } from '../ports/ports.ts';
import { tpKey } from '../ports/ports.ts';

/**
 * Splits what one `send` carries into produce requests the broker accepts. The client writes each
 * partition's records of a request as one record batch, and the broker refuses a batch above the
 * topic's `max.message.bytes` (MESSAGE_TOO_LARGE). Under load a commit can carry far more than
 * that — before this split, such a commit failed, was replayed, built the same batch and failed
 * again, forever. Records keep their order within each partition (chunks are sent one after the
 * other).
 */
export interface SplitLimits {
  /** Per topic: the largest batch it accepts. */
  readonly maxBatchBytes: (topic: string) => number;
  /** Bound on one produce request, all partitions together (Java's `max.request.size`). */
  readonly maxRequestBytes: number;
}

/** Record batch header (61 bytes) plus slack for the varint framing we do not compute exactly. */
const BATCH_OVERHEAD = 128;
/** Per-record framing: length, attributes, timestamp and offset deltas, key/value lengths, header count. */
const RECORD_OVERHEAD = 24;

export function estimatedSize(record: ProducedRecord): number {
  let size = RECORD_OVERHEAD + (record.key?.length ?? 0) + (record.value?.length ?? 0);
  for (const [key, value] of record.headers) size += key.length + value.length + 8;
  return size;
}

export function splitForRequests(
  records: readonly ProducedRecord[],
  limits: SplitLimits,
): ProducedRecord[][] {
  const chunks: ProducedRecord[][] = [];
  let chunk: ProducedRecord[] = [];
  let chunkBytes = 0;
  let partitionBytes = new Map<string, number>();
  for (const record of records) {
    const size = estimatedSize(record);
    const key = tpKey(record);
    const inPartition = partitionBytes.get(key) ?? BATCH_OVERHEAD;
    const batchLimit = limits.maxBatchBytes(record.topic);
    const full = inPartition + size > batchLimit || chunkBytes + size > limits.maxRequestBytes;
    if (full && chunk.length > 0) {
      // A record too large on its own still goes, alone: the broker's refusal names it clearly.
      chunks.push(chunk);
      chunk = [];
      chunkBytes = 0;
      partitionBytes = new Map();
    }
    chunk.push(record);
    chunkBytes += size;
    partitionBytes.set(key, (partitionBytes.get(key) ?? BATCH_OVERHEAD) + size);
  }
  if (chunk.length > 0) chunks.push(chunk);
  return chunks;
}
