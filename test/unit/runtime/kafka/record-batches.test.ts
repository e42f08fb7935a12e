import { decodeBatches, outcomeAt, type FetchedBatch } from '../../../../runtime/kafka/record-batches.ts';

/**
 * read_committed decoding, the Java consumer's rule: from an aborted transaction's listed first
 * offset, that producer's transactional batches are skipped until its abort marker; control
 * batches never surface. Batches are built by hand in the client's decoded shape.
 */
const TRANSACTIONAL = 0x10;
const CONTROL = 0x20;

function data(producerId: bigint, firstOffset: number, count: number, transactional = true): FetchedBatch {
  return {
    firstOffset: BigInt(firstOffset),
    lastOffsetDelta: count - 1,
    firstTimestamp: 0n,
    attributes: transactional ? TRANSACTIONAL : 0,
    producerId,
    records: Array.from({ length: count }, (_, i) => ({
      offsetDelta: i,
      timestampDelta: 0n,
      key: Buffer.from(`${producerId}-${firstOffset + i}`),
      value: null,
      headers: [],
    })),
  };
}

function marker(producerId: bigint, offset: number, type: 'abort' | 'commit'): FetchedBatch {
  const key = Buffer.alloc(4);
  key.writeInt16BE(0, 0);
  key.writeInt16BE(type === 'abort' ? 0 : 1, 2);
  return {
    firstOffset: BigInt(offset),
    lastOffsetDelta: 0,
    firstTimestamp: 0n,
    attributes: TRANSACTIONAL | CONTROL,
    producerId,
    records: [{ offsetDelta: 0, timestampDelta: 0n, key, value: null, headers: [] }],
  };
}

const keys = (batches: FetchedBatch[], aborted: { producerId: bigint; firstOffset: bigint }[], from = 0n) =>
  decodeBatches('t', 0, from, batches, aborted).records.map((r) => String(r.key));

test('an aborted transaction is skipped until its marker; the same producer committing later is kept', () => {
  const batches = [data(1n, 0, 3), marker(1n, 3, 'abort'), data(1n, 4, 2), marker(1n, 6, 'commit')];
  expect(keys(batches, [{ producerId: 1n, firstOffset: 0n }])).toEqual(['1-4', '1-5']);
});

test('a later abort marker without a listed transaction does not hide the committed batches before it', () => {
  // The case the client's own filter got wrong: it dropped 1-4, 1-5 (from the first listed abort
  // up to the producer's last abort marker).
  const batches = [
    data(1n, 0, 3),
    marker(1n, 3, 'abort'),
    data(1n, 4, 2),
    marker(1n, 6, 'commit'),
    marker(1n, 7, 'abort'), // a transaction that wrote nothing here
  ];
  expect(keys(batches, [{ producerId: 1n, firstOffset: 0n }])).toEqual(['1-4', '1-5']);
});

test('an aborted transaction that began before this fetch and ends after it is skipped entirely', () => {
  const batches = [data(1n, 100, 5), data(2n, 105, 2), data(1n, 107, 5)];
  expect(keys(batches, [{ producerId: 1n, firstOffset: 50n }], 100n)).toEqual(['2-105', '2-106']);
});

test('other producers interleaved with an aborted one are kept; next moves past markers', () => {
  const batches = [
    data(1n, 0, 2),
    data(2n, 2, 2),
    data(1n, 4, 2),
    marker(1n, 6, 'abort'),
    marker(2n, 7, 'commit'),
  ];
  const decoded = decodeBatches('t', 0, 0n, batches, [{ producerId: 1n, firstOffset: 0n }]);
  expect(decoded.records.map((r) => String(r.key))).toEqual(['2-2', '2-3']);
  expect(decoded.next).toBe(8n);
});

test('non-transactional batches are never filtered; a fetch starting mid-batch skips the earlier records', () => {
  const batches = [data(1n, 0, 4, false)];
  expect(keys(batches, [{ producerId: 1n, firstOffset: 0n }], 2n)).toEqual(['1-2', '1-3']);
});

describe('outcomeAt: what one offset is to a read_committed reader', () => {
  // The case found after a broker restart: a "committed" transaction (offsets 0-2) whose marker the
  // coordinator skipped, continued by the next transaction of the same producer (4-5), both
  // aborted by one marker at 6.
  const lostCommit = [data(1n, 0, 3), data(1n, 3, 3), marker(1n, 6, 'abort')];

  test('data of an aborted transaction, also when the abort marker comes after later batches', () => {
    expect(outcomeAt(2n, lostCommit, [{ producerId: 1n, firstOffset: 0n }])).toBe('aborted');
    expect(outcomeAt(4n, lostCommit, [{ producerId: 1n, firstOffset: 0n }])).toBe('aborted');
  });

  test('committed data, and another producer interleaved with an aborted one', () => {
    const batches = [data(1n, 0, 2), data(2n, 2, 2), marker(1n, 4, 'abort'), marker(2n, 5, 'commit')];
    expect(outcomeAt(3n, batches, [{ producerId: 1n, firstOffset: 0n }])).toBe('committed');
    expect(outcomeAt(1n, batches, [{ producerId: 1n, firstOffset: 0n }])).toBe('aborted');
  });

  test('a marker, and an offset no fetched batch holds (beyond the last stable offset)', () => {
    const batches = [data(1n, 0, 2), marker(1n, 2, 'commit')];
    expect(outcomeAt(2n, batches, [])).toBe('marker');
    expect(outcomeAt(3n, batches, [])).toBe('absent');
  });

  test('an offset removed from its batch by compaction is absent, not committed', () => {
    const compacted = {
      ...data(1n, 0, 3),
      records: [data(1n, 0, 3).records[0]!, data(1n, 0, 3).records[2]!],
    };
    expect(outcomeAt(1n, [compacted], [])).toBe('absent');
    expect(outcomeAt(2n, [compacted], [])).toBe('committed');
  });
});
