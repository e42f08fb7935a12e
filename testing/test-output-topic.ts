import { StreamsError, ErrorCodes, type KeyValue, type Serde } from '../topology/index.ts';
import type { OutgoingRecord } from '../runtime/task/index.ts';
import type { OutputRecord } from './test-record.ts';

/**
 * Reads what the topology wrote to one topic: Kafka Streams' `TestOutputTopic`. Reading consumes:
 * each record is returned once (output topics of the same name share one queue).
 */
export class TestOutputTopic<K, V> {
  readonly name: string;
  private readonly queue: OutgoingRecord[];
  private readonly keySerde: Serde<K>;
  private readonly valueSerde: Serde<V>;

  /** @internal Use TopologyTestDriver.createOutputTopic(). */
  constructor(name: string, queue: OutgoingRecord[], keySerde: Serde<K>, valueSerde: Serde<V>) {
    this.name = name;
    this.queue = queue;
    this.keySerde = keySerde;
    this.valueSerde = valueSerde;
  }

  readValue(): V | null {
    return this.readRecord().value;
  }

  readKeyValue(): KeyValue<K | null, V | null> {
    const record = this.readRecord();
    return { key: record.key, value: record.value };
  }

  readRecord(): OutputRecord<K, V> {
    const raw = this.queue.shift();
    if (!raw) throw new StreamsError(ErrorCodes.VALIDATION, `Output topic ${this.name} is empty`);
    return {
      topic: raw.topic,
      key: raw.key === null ? null : this.keySerde.deserialize(raw.topic, raw.key),
      value: raw.value === null ? null : this.valueSerde.deserialize(raw.topic, raw.value),
      timestamp: raw.timestamp,
      headers: raw.headers,
    };
  }

  readValuesToList(): (V | null)[] {
    return this.drain().map((r) => r.value);
  }

  readKeyValuesToList(): KeyValue<K | null, V | null>[] {
    return this.drain().map((r) => ({ key: r.key, value: r.value }));
  }

  /** The last value per key (a null value removes the key), as a table reader would see it. */
  readKeyValuesToMap(): Map<K | null, V> {
    const map = new Map<K | null, V>();
    for (const r of this.drain()) {
      if (r.value === null) map.delete(r.key);
      else map.set(r.key, r.value);
    }
    return map;
  }

  readRecordsToList(): OutputRecord<K, V>[] {
    return this.drain();
  }

  getQueueSize(): number {
    return this.queue.length;
  }

  isEmpty(): boolean {
    return this.queue.length === 0;
  }

  private drain(): OutputRecord<K, V>[] {
    const records: OutputRecord<K, V>[] = [];
    while (!this.isEmpty()) records.push(this.readRecord());
    return records;
  }
}
