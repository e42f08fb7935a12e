import { murmur2, partitionFor } from '../../../../runtime/kafka/partitioner.ts';

describe('murmur2 (Kafka default partitioner)', () => {
  // Reference values from Apache Kafka's UtilsTest#testMurmur2 (the Java client).
  it.each([
    ['21', -973932308],
    ['foobar', -790332482],
    ['a-little-bit-long-string', -985981536],
    ['a-little-bit-longer-string', -1486304829],
    ['lkjh234lh9fiuh90y23oiuhsafujhadof229phr9h19h89h8', -58897971],
    ['abc', 479470107],
  ])('murmur2(%s) = %d as in the Java client', (text, expected) => {
    expect(murmur2(Buffer.from(text))).toBe(expected);
  });

  it('maps keys to partitions in range, deterministically', () => {
    for (let i = 0; i < 1000; i++) {
      const key = Buffer.from(`key-${i}`);
      const partition = partitionFor(key, 7);
      expect(partition).toBeGreaterThanOrEqual(0);
      expect(partition).toBeLessThan(7);
      expect(partitionFor(key, 7)).toBe(partition);
    }
  });
});
