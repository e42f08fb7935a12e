import type { Headers } from '../../engine-common/record.ts';

/** A record a sink produced, already serialized. */
export interface OutgoingRecord {
  readonly topic: string;
  readonly key: Buffer | null;
  readonly value: Buffer | null;
  readonly timestamp: number;
  readonly headers: Headers;
  /** Set by the task only when it must be exact; otherwise the runtime partitions by murmur2 of the key bytes. */
  readonly partition?: number;
}

/**
 * Where sinks send records: Kafka Streams' `RecordCollector`. The runtime adds them to the open
 * transaction; the test driver appends them to in-memory topics. Called synchronously, in
 * processing order.
 */
export interface RecordCollector {
  send(record: OutgoingRecord): void;
}

/** A changelog record written by a store of the task, to be sent in the same transaction as the outputs. */
export interface ChangelogRecordOut {
  readonly storeName: string;
  readonly topic: string;
  /** Always the task's partition: a store's changelog partition matches its task. */
  readonly partition: number;
  readonly key: Buffer;
  /** null is a tombstone. */
  readonly value: Buffer | null;
  readonly timestamp: number;
}

export type ChangelogCollector = (record: ChangelogRecordOut) => void;
