import { SerdeError } from '../../engine-common/errors.ts';
import type { Serde } from '../../engine-common/serde.ts';

/** A stored aggregate and the latest timestamp that went into it: Kafka Streams' `ValueAndTimestamp`. */
export interface ValueAndTimestamp<V> {
  readonly value: V;
  readonly timestamp: number;
}

/** Kafka Streams' timestamped store value format: `<timestamp:8><value bytes>`. */
export function valueAndTimestampSerde<V>(inner: Serde<V>): Serde<ValueAndTimestamp<V>> {
  return {
    serialize: (topic, { value, timestamp }) => {
      const ts = Buffer.alloc(8);
      ts.writeBigInt64BE(BigInt(timestamp));
      return Buffer.concat([ts, inner.serialize(topic, value)]);
    },
    deserialize: (topic, data) => {
      if (data.length < 8)
        throw new SerdeError(`Timestamped value on ${topic}: ${data.length} bytes, expected at least 8`);
      return { timestamp: Number(data.readBigInt64BE(0)), value: inner.deserialize(topic, data.subarray(8)) };
    },
  };
}
