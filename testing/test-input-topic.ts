import type { Headers, KeyValue, Serde } from '../topology/index.ts';
import type { TestRecord } from './test-record.ts';

/** What an input topic needs from the driver. @internal */
export interface InputSink {
  pipe(
    topic: string,
    key: Buffer | null,
    value: Buffer | null,
    timestamp: number,
    headers: Headers,
  ): Promise<void>;
}

/**
 * Pipes records into one topic of a TopologyTestDriver: Kafka Streams' `TestInputTopic`. Each call
 * resolves once the record and everything it caused (repartitioned records, punctuations, commits)
 * was processed. Records without a timestamp get the topic's current time, which then advances by
 * `autoAdvanceMs`.
 */
export class TestInputTopic<K, V> {
  readonly name: string;
  private readonly driver: InputSink;
  private readonly keySerde: Serde<K>;
  private readonly valueSerde: Serde<V>;
  private currentTimeMs: number;
  private readonly autoAdvanceMs: number;

  /** @internal Use TopologyTestDriver.createInputTopic(). */
  constructor(
    driver: InputSink,
    name: string,
    keySerde: Serde<K>,
    valueSerde: Serde<V>,
    startTimestampMs: number,
    autoAdvanceMs: number,
  ) {
    this.driver = driver;
    this.name = name;
    this.keySerde = keySerde;
    this.valueSerde = valueSerde;
    this.currentTimeMs = startTimestampMs;
    this.autoAdvanceMs = autoAdvanceMs;
  }

  /** `pipeInput(key, value)`, `pipeInput(key, value, timestampMs)`, `pipeInput(key, value, headers)` or `(key, value, timestampMs, headers)`. */
  async pipeInput(
    key: K | null,
    value: V | null,
    timestampOrHeaders?: number | Headers,
    headers?: Headers,
  ): Promise<void> {
    const timestamp = typeof timestampOrHeaders === 'number' ? timestampOrHeaders : undefined;
    const recordHeaders = timestampOrHeaders instanceof Map ? timestampOrHeaders : headers;
    await this.pipeRecord({ key, value, timestamp, headers: recordHeaders });
  }

  /** A record with a null key. */
  async pipeValue(value: V | null, timestampMs?: number): Promise<void> {
    await this.pipeRecord({ key: null, value, timestamp: timestampMs });
  }

  async pipeRecord(record: TestRecord<K, V>): Promise<void> {
    const timestamp = record.timestamp ?? this.nextTimestamp();
    await this.driver.pipe(
      this.name,
      record.key === null ? null : this.keySerde.serialize(this.name, record.key),
      record.value === null ? null : this.valueSerde.serialize(this.name, record.value),
      timestamp,
      new Map(record.headers ?? []),
    );
  }

  async pipeRecordList(records: readonly TestRecord<K, V>[]): Promise<void> {
    for (const record of records) await this.pipeRecord(record);
  }

  async pipeKeyValueList(pairs: readonly KeyValue<K | null, V | null>[]): Promise<void> {
    for (const pair of pairs) await this.pipeRecord({ key: pair.key, value: pair.value });
  }

  async pipeValueList(values: readonly (V | null)[]): Promise<void> {
    for (const value of values) await this.pipeRecord({ key: null, value });
  }

  /** Moves the topic's current time (used for records piped without a timestamp). */
  advanceTime(ms: number): void {
    this.currentTimeMs += ms;
  }

  private nextTimestamp(): number {
    const timestamp = this.currentTimeMs;
    this.currentTimeMs += this.autoAdvanceMs;
    return timestamp;
  }
}
