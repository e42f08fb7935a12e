import { createAPI, ResponseError, Writer, type Reader } from '@platformatic/kafka';

/**
 * WriteTxnMarkers v1 (API key 27), which the client library does not implement. Normally only a
 * transaction coordinator sends it; since KIP-664 an admin may too (Alter on the topic), to abort
 * a hanging transaction — what `kafka-transactions.sh abort` does.
 *
 *   Request  => [markers] TAG_BUFFER
 *     markers => producer_id INT64, producer_epoch INT16, transaction_result BOOLEAN,
 *                [topics => name COMPACT_STRING, [partition_indexes INT32] TAG_BUFFER],
 *                coordinator_epoch INT32, TAG_BUFFER
 *   Response => [markers => producer_id INT64, [topics => name, [partitions => partition_index
 *                INT32, error_code INT16, TAG_BUFFER] TAG_BUFFER] TAG_BUFFER] TAG_BUFFER
 */
export interface TxnMarker {
  readonly producerId: bigint;
  readonly producerEpoch: number;
  /** true commits, false aborts. */
  readonly commit: boolean;
  readonly topics: readonly { readonly name: string; readonly partitionIndexes: readonly number[] }[];
  readonly coordinatorEpoch: number;
}

export interface TxnMarkerResult {
  readonly producerId: bigint;
  readonly topics: { name: string; partitions: { partitionIndex: number; errorCode: number }[] }[];
}

function createRequest(markers: readonly TxnMarker[]): Writer {
  return Writer.create()
    .appendArray(markers as TxnMarker[], (w, m) => {
      w.appendInt64(m.producerId)
        .appendInt16(m.producerEpoch)
        .appendBoolean(m.commit)
        .appendArray(m.topics as TxnMarker['topics'][number][], (w, t) => {
          w.appendString(t.name).appendArray(
            t.partitionIndexes as number[],
            (w, p) => w.appendInt32(p),
            true,
            false,
          );
        })
        .appendInt32(m.coordinatorEpoch);
    })
    .appendTaggedFields();
}

function parseResponse(
  _correlationId: number,
  apiKey: number,
  apiVersion: number,
  reader: Reader,
): { markers: TxnMarkerResult[] } {
  const errors: [string, [number, null]][] = [];
  const markers = reader.readArray((r) => ({
    producerId: r.readInt64(),
    topics: r.readArray((r) => ({
      name: r.readString(),
      partitions: r.readArray((r) => {
        const partition = { partitionIndex: r.readInt32(), errorCode: r.readInt16() };
        if (partition.errorCode !== 0)
          errors.push([`/${partition.partitionIndex}`, [partition.errorCode, null]]);
        return partition;
      }),
    })),
  }));
  reader.readTaggedFields();
  const response = { markers };
  if (errors.length > 0) throw new ResponseError(apiKey, apiVersion, Object.fromEntries(errors), response);
  return response;
}

export const writeTxnMarkersV1 = createAPI(27, 1, createRequest, parseResponse);
