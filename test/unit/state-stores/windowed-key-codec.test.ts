import { WindowedKeyCodec, clampTime, readTime, writeTime, TIME_BYTES } from '../../../state-stores/index.ts';

const time = (t: number): Buffer => {
  const out = Buffer.alloc(TIME_BYTES);
  writeTime(out, t, 0);
  return out;
};

/** A deterministic PRNG, so a failure reproduces. */
function random(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state * 1_103_515_245 + 12_345) % 2 ** 31;
    return state / 2 ** 31;
  };
}

describe('time encoding', () => {
  it('byte order is numeric order, across the 32-bit boundary and up to 2^53 - 1', () => {
    const times = [0, 1, 255, 256, 65_535, 2 ** 31, 2 ** 32 - 1, 2 ** 32, 2 ** 32 + 1, 1.7e12, 2 ** 53 - 1];
    for (let i = 0; i < times.length; i++) {
      expect(readTime(time(times[i] as number), 0)).toBe(times[i]);
      for (let j = 0; j < times.length; j++)
        expect(Math.sign(Buffer.compare(time(times[i] as number), time(times[j] as number)))).toBe(
          Math.sign((times[i] as number) - (times[j] as number)),
        );
    }
  });

  it('is Kafka Streams’ big-endian long for non-negative times', () => {
    const expected = Buffer.alloc(8);
    expected.writeBigInt64BE(1_700_000_000_123n);
    expect(time(1_700_000_000_123)).toEqual(expected);
  });

  it('rejects negative and unsafe times rather than mis-ordering them; query bounds are clamped', () => {
    expect(() => time(-1)).toThrow(/time in \[0, 2\^53\)/);
    expect(() => time(2 ** 53)).toThrow();
    expect(() => time(1.5)).toThrow();
    expect(clampTime(-100)).toBe(0);
    expect(clampTime(-Infinity)).toBe(0);
    expect(clampTime(Infinity)).toBe(Number.MAX_SAFE_INTEGER);
  });
});

describe('WindowedKeyCodec', () => {
  const codec = new WindowedKeyCodec({ segmentIntervalMs: 100 });

  it('round-trips key, time and suffix', () => {
    const sessions = new WindowedKeyCodec({ segmentIntervalMs: 100, suffixBytes: 8 });
    const stored = sessions.encode(Buffer.from('user-1'), 1_234, time(1_000));
    expect(sessions.decode(stored)).toEqual({
      key: Buffer.from('user-1'),
      timeMs: 1_234,
      suffix: time(1_000),
    });
    expect(sessions.timeOf(stored)).toBe(1_234);
    expect(sessions.segmentOfStored(stored)).toBe(12);
    expect(() => sessions.encode(Buffer.from('k'), 1)).toThrow(/suffix must be 8 bytes/);
  });

  it('byte order is (segment, key length, key, time): the order the segmented stores rely on', () => {
    const next = random(7);
    const entries = Array.from({ length: 500 }, () => ({
      key: Buffer.from(['a', 'ab', 'b', 'ba', '', 'zzz'][Math.floor(next() * 6)] as string),
      time: Math.floor(next() * 1_000),
    }));
    const byBytes = [...entries].sort((x, y) =>
      Buffer.compare(codec.encode(x.key, x.time), codec.encode(y.key, y.time)),
    );
    const byFields = [...entries].sort(
      (x, y) =>
        codec.segmentOf(x.time) - codec.segmentOf(y.time) ||
        x.key.length - y.key.length ||
        Buffer.compare(x.key, y.key) ||
        x.time - y.time,
    );
    expect(byBytes).toEqual(byFields);
  });

  it('keyRange holds exactly one key’s entries in [from, to] of a segment, whatever the suffix', () => {
    const sessions = new WindowedKeyCodec({ segmentIntervalMs: 100, suffixBytes: 8 });
    const inRange = (stored: Buffer, from: number, to: number) => {
      const range = sessions.keyRange(Buffer.from('a'), from, to, sessions.segmentOf(from));
      return (
        Buffer.compare(stored, range.from as Buffer) >= 0 &&
        Buffer.compare(stored, range.toExclusive as Buffer) < 0
      );
    };
    const stored = (key: string, t: number, start: number) =>
      sessions.encode(Buffer.from(key), t, time(start));
    expect(inRange(stored('a', 110, 0), 110, 150)).toBe(true);
    expect(inRange(stored('a', 150, 2 ** 40), 110, 150)).toBe(true); // the largest suffix of `to`
    expect(inRange(stored('a', 151, 0), 110, 150)).toBe(false);
    expect(inRange(stored('a', 109, 2 ** 40), 110, 150)).toBe(false);
    expect(inRange(stored('ab', 120, 0), 110, 150)).toBe(false); // a longer key, same prefix
    expect(inRange(stored('b', 120, 0), 110, 150)).toBe(false);
    expect(inRange(stored('a', 199, 0), 110, Infinity)).toBe(true);
    expect(inRange(stored('a', 210, 0), 110, Infinity)).toBe(false); // the next segment
  });

  it('segmentRange holds whole segments, contiguously', () => {
    const range = codec.segmentRange(2, 3);
    const inside = (t: number) =>
      Buffer.compare(codec.encode(Buffer.from('k'), t), range.from as Buffer) >= 0 &&
      Buffer.compare(codec.encode(Buffer.from('k'), t), range.toExclusive as Buffer) < 0;
    expect([199, 200, 399, 400].map(inside)).toEqual([false, true, true, false]);
    expect(codec.segmentRange(5, null).toExclusive).toBeNull();
  });

  it('unsegmented, it is the stream-stream join buffer layout <len><key><time><offset>', () => {
    const join = new WindowedKeyCodec({ segmentIntervalMs: null, suffixBytes: 8 });
    const offset = Buffer.alloc(8);
    offset.writeBigInt64BE(42n);
    const key = Buffer.from('order-7');
    const expected = Buffer.alloc(4 + key.length + 16);
    expected.writeUInt32BE(key.length, 0);
    key.copy(expected, 4);
    expected.writeBigInt64BE(1_000n, 4 + key.length);
    expected.writeBigInt64BE(42n, 12 + key.length);
    expect(join.encode(key, 1_000, offset)).toEqual(expected);
  });
});
