import type { Serde } from '../engine-common/serde.ts';
import type { Headers } from '../engine-common/record.ts';
import type { DslStoreSuppliers, DslStoreType } from './dsl-store-suppliers.ts';

/** Names an operator instead of the generated `KSTREAM-...-0000000007` name. */
export interface Named {
  readonly name?: string;
}

/** The record being consumed, as a timestamp extractor sees it (key and value already deserialized). */
export interface ConsumedRecord<K, V> {
  readonly topic: string;
  readonly partition: number;
  readonly offset: bigint;
  readonly key: K | null;
  readonly value: V | null;
  /** The timestamp the record carries in Kafka. */
  readonly timestamp: number;
  readonly headers: Headers;
}

/**
 * Picks a record's event time. `partitionTimeMs` is the highest timestamp seen so far on the task
 * (-1 before the first record). A negative result sends the record to the dead-letter topic.
 */
export type TimestampExtractor<K = unknown, V = unknown> = (
  record: ConsumedRecord<K, V>,
  partitionTimeMs: number,
) => number;

/** How a source reads a topic: Kafka Streams' `Consumed`. Missing serdes mean raw `Buffer`s. */
export interface Consumed<K, V> extends Named {
  readonly keySerde?: Serde<K>;
  readonly valueSerde?: Serde<V>;
  readonly timestampExtractor?: TimestampExtractor<K, V>;
}

/** How a sink writes a topic: Kafka Streams' `Produced`. Missing serdes fall back to the stream's own. */
export interface Produced<K, V> extends Named {
  readonly keySerde?: Serde<K>;
  readonly valueSerde?: Serde<V>;
}

/** How a grouping repartitions: `name` names the repartition topic (`<name>-repartition`). */
export interface Grouped<K, V> extends Named {
  readonly keySerde?: Serde<K>;
  readonly valueSerde?: Serde<V>;
}

/** An explicit repartition: `partitions` fixes the topic's partition count (default: upstream's). */
export interface Repartitioned<K, V> extends Named {
  readonly keySerde?: Serde<K>;
  readonly valueSerde?: Serde<V>;
  readonly partitions?: number;
}

/**
 * How a KTable is stored. `storeName` makes it queryable under that name (and names its changelog
 * `<application.id>-<storeName>-changelog`); without it a name is generated.
 */
export interface Materialized<K, V> {
  readonly storeName?: string;
  readonly keySerde?: Serde<K>;
  readonly valueSerde?: Serde<V>;
  /** Default true: the store is backed by a compacted changelog topic. */
  readonly loggingEnabled?: boolean;
  readonly logConfig?: Readonly<Record<string, string>>;
  /** Default false. */
  readonly cachingEnabled?: boolean;
  /** Default: the builder's `defaultDslStore` (`rocksDB`). */
  readonly storeType?: DslStoreType;
  /** Overrides the builder's store suppliers for this one store. */
  readonly dslStoreSuppliers?: DslStoreSuppliers;
}

/** What a dynamic sink sees of the record's origin. `topic` is null for records made by a punctuator. */
export interface RecordContext {
  readonly topic: string | null;
  readonly partition: number | null;
  readonly offset: bigint | null;
  readonly timestamp: number;
  readonly headers: Headers;
}

/** Chooses the output topic per record: Kafka Streams' `TopicNameExtractor`. */
export type TopicNameExtractor<K, V> = (key: K, value: V, recordContext: RecordContext) => string;

/** Serdes and a name for a stream-stream join's buffers: Kafka Streams' `StreamJoined`. */
export interface StreamJoined<K, V, VO> {
  readonly keySerde?: Serde<K>;
  readonly valueSerde?: Serde<V>;
  readonly otherValueSerde?: Serde<VO>;
  readonly name?: string;
}
