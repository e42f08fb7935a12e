import { SerdeError } from './errors.ts';

/**
 * Turns values of type T into bytes and back. `null` is never passed to a serde: it means
 * "no key" or "tombstone" and is carried through by the engine unchanged.
 */
export interface Serde<T> {
  serialize(topic: string, value: T): Buffer;
  deserialize(topic: string, data: Buffer): T;
}

export const Serdes = {
  String(): Serde<string> {
    return {
      serialize: (_topic, value) => Buffer.from(value, 'utf8'),
      deserialize: (_topic, data) => data.toString('utf8'),
    };
  },
  Buffer(): Serde<Buffer> {
    return { serialize: (_topic, value) => value, deserialize: (_topic, data) => data };
  },
  /** Big-endian signed 64-bit, like Kafka's LongSerde, so numeric keys sort by value within a sign. */
  Long(): Serde<number> {
    return {
      serialize: (_topic, value) => {
        const out = Buffer.alloc(8);
        out.writeBigInt64BE(BigInt(Math.trunc(value)));
        return out;
      },
      deserialize: (topic, data) => {
        if (data.length !== 8) throw new SerdeError(`Long on ${topic}: expected 8 bytes, got ${data.length}`);
        return Number(data.readBigInt64BE());
      },
    };
  },
  /** JSON without schema checks; use the schema serdes in schemas/ at the edges of a pipeline. */
  Json<T>(): Serde<T> {
    return {
      serialize: (_topic, value) => Buffer.from(JSON.stringify(value), 'utf8'),
      deserialize: (topic, data) => {
        try {
          return JSON.parse(data.toString('utf8')) as T;
        } catch (cause) {
          throw new SerdeError(`JSON on ${topic}: ${(cause as Error).message}`, { cause });
        }
      },
    };
  },
};
