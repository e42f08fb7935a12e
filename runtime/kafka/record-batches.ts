import type { ConsumedRecord, RecordOutcome } from '../ports/ports.ts';
import type { Headers } from '../../engine-common/record.ts';

/**
 * The shape of a fetched partition's batches, as the client returns them. The client's own
 * read_committed filter drops an aborted transaction's batches only when its abort marker is in the
 * same response, so batches of aborted transactions may still be here: `decodeBatches` filters them.
 */
export interface FetchedBatch {
  readonly firstOffset: bigint;
  readonly lastOffsetDelta: number;
  readonly firstTimestamp: bigint;
  readonly attributes: number;
  readonly producerId: bigint;
  readonly records: readonly {
    readonly offsetDelta: number;
    readonly timestampDelta: bigint;
    readonly key: Buffer | null;
    readonly value: Buffer | null;
    readonly headers: readonly [Buffer | null, Buffer | null][];
  }[];
}

/** An entry of a fetch response's aborted-transactions list (read_committed only). */
export interface AbortedTransaction {
  readonly producerId: bigint;
  readonly firstOffset: bigint;
}

/** Batches written inside a transaction (attribute bit 4). */
const IS_TRANSACTIONAL = 0x10;
/** Transaction markers are control batches (attribute bit 5): they take an offset but carry no data. */
const IS_CONTROL = 0x20;
/** A control record's key is (version int16, type int16); type 0 is ABORT, 1 is COMMIT. */
const ABORT_MARKER = 0;

/** What a batch is to a read_committed reader. */
interface WalkedBatch {
  readonly batch: FetchedBatch;
  /** Last offset of the batch. */
  readonly last: bigint;
  /** A transaction marker (commit or abort): takes an offset, carries no data. */
  readonly control: boolean;
  /** Data of a transaction that was aborted: never delivered. */
  readonly aborted: boolean;
}

/**
 * read_committed, as the Java consumer does it: the broker lists every aborted transaction that
 * overlaps the fetched range (producer id and first offset), including one that began before this
 * fetch or whose abort marker lies beyond it. From the listed first offset on, that producer's
 * transactional batches are skipped until its abort marker. So an aborted transaction larger than
 * one fetch response is dropped in every response it spans, not only in the one with its marker.
 */
function* walkBatches(
  batches: readonly FetchedBatch[],
  abortedTransactions: readonly AbortedTransaction[],
): Generator<WalkedBatch> {
  const pending = [...abortedTransactions].sort((a, b) =>
    a.firstOffset < b.firstOffset ? -1 : a.firstOffset > b.firstOffset ? 1 : 0,
  );
  const abortedProducers = new Set<bigint>();
  let nextAborted = 0;
  for (const batch of batches) {
    const last = batch.firstOffset + BigInt(batch.lastOffsetDelta);
    const control = (batch.attributes & IS_CONTROL) !== 0;
    let aborted = false;
    if (batch.attributes & IS_TRANSACTIONAL) {
      for (; nextAborted < pending.length; nextAborted++) {
        const entry = pending[nextAborted] as AbortedTransaction;
        if (entry.firstOffset > last) break;
        abortedProducers.add(entry.producerId);
      }
      if (control) {
        if (isAbortMarker(batch)) abortedProducers.delete(batch.producerId);
      } else aborted = abortedProducers.has(batch.producerId);
    }
    yield { batch, last, control, aborted };
  }
}

/**
 * Turns record batches into records at or after `from` (read_committed, see `walkBatches`), and
 * returns the next offset to fetch (after the last batch, control batches included, so
 * consumption moves past commit markers).
 */
export function decodeBatches(
  topic: string,
  partition: number,
  from: bigint,
  batches: readonly FetchedBatch[],
  abortedTransactions: readonly AbortedTransaction[] = [],
): { records: ConsumedRecord[]; next: bigint } {
  const records: ConsumedRecord[] = [];
  let next = from;
  for (const { batch, last, control, aborted } of walkBatches(batches, abortedTransactions)) {
    if (last + 1n > next) next = last + 1n;
    if (control || aborted) continue;
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

/** What the record at `offset` is (RecordOutcome), from a fetch that started at `offset`. */
export function outcomeAt(
  offset: bigint,
  batches: readonly FetchedBatch[],
  abortedTransactions: readonly AbortedTransaction[] = [],
): Exclude<RecordOutcome, 'out-of-range'> {
  for (const { batch, last, control, aborted } of walkBatches(batches, abortedTransactions)) {
    if (offset < batch.firstOffset || offset > last) continue;
    if (control) return 'marker';
    if (!batch.records.some((r) => batch.firstOffset + BigInt(r.offsetDelta) === offset)) return 'absent';
    return aborted ? 'aborted' : 'committed';
  }
  return 'absent';
}

function isAbortMarker(batch: FetchedBatch): boolean {
  const key = batch.records[0]?.key;
  return key !== null && key !== undefined && key.length >= 4 && key.readInt16BE(2) === ABORT_MARKER;
}
