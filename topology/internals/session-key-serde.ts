import { TIME_BYTES, WindowedKeyCodec, readTime, writeTime } from '../../state-stores/index.ts';
import { SerdeError } from '../../engine-common/errors.ts';
import type { Serde } from '../../engine-common/serde.ts';
import type { Windowed } from '../windows.ts';

/** `<len><key><start:8><end:8>`: the windowed key codec without segments, the end as suffix. */
const codec = new WindowedKeyCodec({ segmentIntervalMs: null, suffixBytes: TIME_BYTES });

/**
 * Key serde of a session-windowed aggregation's table: `<key length:4><key bytes><start:8><end:8>`
 * (the format its store used before session stores existed; kept so the table's default key bytes,
 * in repartitions and sinks without an explicit serde, stay the same).
 */
export function sessionStoreKeySerde<K>(inner: Serde<K>): Serde<Windowed<K>> {
  return {
    serialize: (topic, windowed) => {
      const end = Buffer.allocUnsafe(TIME_BYTES);
      writeTime(end, windowed.window.end, 0);
      return codec.encode(inner.serialize(topic, windowed.key), windowed.window.start, end);
    },
    deserialize: (topic, data) => {
      let decoded;
      try {
        decoded = codec.decode(data);
      } catch (cause) {
        throw new SerdeError(`Session store key on ${topic} is malformed`, { cause });
      }
      return {
        key: inner.deserialize(topic, decoded.key),
        window: { start: decoded.timeMs, end: readTime(decoded.suffix, 0) },
      };
    },
  };
}
