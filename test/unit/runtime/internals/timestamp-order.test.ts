import type { ConsumedRecord } from '../../../../runtime/ports/ports.ts';
import { inTimestampOrder } from '../../../../runtime/internals/timestamp-order.ts';

const record = (topic: string, offset: number, timestamp: number): ConsumedRecord => ({
  topic,
  partition: 0,
  offset: BigInt(offset),
  timestamp,
  key: null,
  value: null,
  headers: new Map(),
});
const ids = (records: readonly ConsumedRecord[]) => records.map((r) => `${r.topic}@${r.offset}`);

test('a stock update produced before a reservation is processed first, whatever the fetch order', () => {
  const batch = [record('reservations', 7, 200), record('reservations', 8, 300), record('stock', 3, 100)];
  expect(ids(inTimestampOrder(batch))).toEqual(['stock@3', 'reservations@7', 'reservations@8']);
});

test('each partition stays in offset order even when its timestamps go backwards', () => {
  const batch = [record('a', 1, 50), record('a', 2, 10), record('b', 1, 20), record('b', 2, 60)];
  // a@1 (50) heads a, b@1 (20) heads b: b@1 first, then a@1 (50) against b@2 (60), then a@2, b@2.
  expect(ids(inTimestampOrder(batch))).toEqual(['b@1', 'a@1', 'a@2', 'b@2']);
});

test('ties keep the batch order; one partition is returned as it came', () => {
  expect(ids(inTimestampOrder([record('x', 1, 5), record('y', 1, 5)]))).toEqual(['x@1', 'y@1']);
  const single = [record('x', 1, 9), record('x', 2, 1)];
  expect(ids(inTimestampOrder(single))).toEqual(['x@1', 'x@2']);
});
