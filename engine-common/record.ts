/** Record headers. Values are bytes; W3C trace context and dead-letter metadata travel here. */
export type Headers = Map<string, Buffer>;

/**
 * An immutable record flowing through a topology: Kafka Streams' `Record`. Named `StreamRecord`
 * so it does not shadow TypeScript's built-in `Record<K, V>` utility type in user code.
 */
export class StreamRecord<K, V> {
  readonly key: K;
  readonly value: V;
  /** Epoch milliseconds. */
  readonly timestamp: number;
  readonly headers: Headers;

  constructor(key: K, value: V, timestamp: number, headers: Headers = new Map()) {
    this.key = key;
    this.value = value;
    this.timestamp = timestamp;
    this.headers = headers;
  }

  withKey<K2>(key: K2): StreamRecord<K2, V> {
    return new StreamRecord(key, this.value, this.timestamp, this.headers);
  }

  withValue<V2>(value: V2): StreamRecord<K, V2> {
    return new StreamRecord(this.key, value, this.timestamp, this.headers);
  }

  withTimestamp(timestamp: number): StreamRecord<K, V> {
    return new StreamRecord(this.key, this.value, timestamp, this.headers);
  }

  withHeaders(headers: Headers): StreamRecord<K, V> {
    return new StreamRecord(this.key, this.value, this.timestamp, headers);
  }
}

/** Where the record being processed came from; null inside a punctuator. */
export interface RecordMetadata {
  readonly topic: string;
  readonly partition: number;
  readonly offset: bigint;
}
