import type { ProducedRecord } from '../../../../runtime/ports/ports.ts';
import { estimatedSize, splitForRequests } from '../../../../runtime/kafka/request-splitter.ts';
import { recoveryFor } from '../../../../runtime/kafka/errors.ts';

const record = (topic: string, partition: number, bytes: number, tag = ''): ProducedRecord => ({
  topic,
  partition,
  key: Buffer.from(tag),
  value: Buffer.alloc(bytes),
  timestamp: 0,
  headers: new Map(),
});

test('records are split so that no partition batch exceeds its topic limit, order kept per partition', () => {
  const records = Array.from({ length: 100 }, (_, i) =>
    record(i % 2 ? 'small' : 'big', i % 3, 1000, String(i)),
  );
  const limits = {
    maxBatchBytes: (t: string) => (t === 'small' ? 5000 : 50_000),
    maxRequestBytes: 1_000_000,
  };
  const chunks = splitForRequests(records, limits);
  expect(chunks.flat()).toEqual(records); // nothing lost, nothing reordered
  for (const chunk of chunks) {
    const perPartition = new Map<string, number>();
    for (const r of chunk) {
      const key = `${r.topic}:${r.partition}`;
      perPartition.set(key, (perPartition.get(key) ?? 128) + estimatedSize(r));
    }
    for (const [key, bytes] of perPartition)
      expect([key, bytes <= limits.maxBatchBytes(key.split(':')[0] as string)]).toEqual([key, true]);
  }
  expect(chunks.length).toBeGreaterThan(1);
});

test('the request bound splits too, and a record larger than every limit goes alone', () => {
  const records = [
    record('t', 0, 10),
    record('t', 1, 600),
    record('t', 2, 600),
    record('t', 0, 5000),
    record('t', 1, 5),
  ];
  const chunks = splitForRequests(records, { maxBatchBytes: () => 1000, maxRequestBytes: 1000 });
  expect(chunks.map((c) => c.map((r) => r.value?.length))).toEqual([[10, 600], [600], [5000], [5]]);
});

test('one small send stays one request', () => {
  const records = [record('t', 0, 10), record('t', 1, 10)];
  expect(splitForRequests(records, { maxBatchBytes: () => 1_000_000, maxRequestBytes: 1_000_000 })).toEqual([
    records,
  ]);
});

test('Kafka failures are classified as Kafka Streams does', () => {
  expect(recoveryFor(['OUT_OF_ORDER_SEQUENCE_NUMBER'])).toBe('new-producer');
  expect(recoveryFor(['INVALID_PRODUCER_EPOCH'])).toBe('new-producer');
  expect(recoveryFor(['UNKNOWN_PRODUCER_ID', 'LEADER_NOT_AVAILABLE'])).toBe('new-producer');
  expect(recoveryFor(['MESSAGE_TOO_LARGE'])).toBe('fatal');
  expect(recoveryFor(['TOPIC_AUTHORIZATION_FAILED'])).toBe('fatal');
  expect(recoveryFor(['LEADER_NOT_AVAILABLE'])).toBe('retry');
  expect(recoveryFor([])).toBe('retry');
});
