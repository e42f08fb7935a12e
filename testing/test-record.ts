import type { Headers } from '../topology/index.ts';

/** A record piped into or read from a test topic: Kafka Streams' `TestRecord`. */
export interface TestRecord<K, V> {
  readonly key: K | null;
  readonly value: V | null;
  /** Epoch ms; when piping, omitted means the input topic's current time. */
  readonly timestamp?: number;
  readonly headers?: Headers;
}

/** A record read from an output topic: everything is known. */
export interface OutputRecord<K, V> {
  readonly topic: string;
  readonly key: K | null;
  readonly value: V | null;
  readonly timestamp: number;
  readonly headers: Headers;
}
