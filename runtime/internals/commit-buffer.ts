import type { ChangelogRecordOut, DeadLetterRecord, OutgoingRecord } from '../task/index.ts';
import type { OffsetToCommit, ProducedRecord, TopicPartition } from '../ports/ports.ts';
import { tpKey } from '../ports/ports.ts';
import type { TaskOutputs } from './task-manager.ts';

/** A changelog record and the task/store it belongs to, so the commit can advance that store's checkpoint. */
interface PendingChangelog {
  readonly task: string;
  readonly store: string;
  readonly record: ProducedRecord;
}

/**
 * Everything the open transaction will carry: outputs (sinks and repartition topics), changelog
 * records, dead-letter records and the consumed offsets. Filled synchronously while tasks process;
 * drained by the committer.
 */
export class CommitBuffer implements TaskOutputs {
  private outputs: OutgoingRecord[] = [];
  private changelogs: PendingChangelog[] = [];
  private consumed = new Map<string, OffsetToCommit>();
  private readonly deadLetterTopic: string;

  constructor(deadLetterTopic: string) {
    this.deadLetterTopic = deadLetterTopic;
  }

  output(record: OutgoingRecord): void {
    this.outputs.push(record);
  }

  changelog(task: string, record: ChangelogRecordOut): void {
    this.changelogs.push({
      task,
      store: record.storeName,
      record: {
        topic: record.topic,
        partition: record.partition,
        key: record.key,
        value: record.value,
        timestamp: record.timestamp,
        headers: new Map(),
      },
    });
  }

  deadLetter(record: DeadLetterRecord): void {
    this.outputs.push({
      topic: this.deadLetterTopic,
      key: record.key,
      value: record.value,
      timestamp: record.timestamp,
      headers: record.headers,
    });
  }

  consumedUpTo(tp: TopicPartition, offset: bigint): void {
    this.consumed.set(tpKey(tp), { topic: tp.topic, partition: tp.partition, offset: offset + 1n });
  }

  isEmpty(): boolean {
    return this.outputs.length === 0 && this.changelogs.length === 0 && this.consumed.size === 0;
  }

  /** Takes the buffered content and leaves the buffer empty for the next transaction. */
  drain(): { outputs: OutgoingRecord[]; changelogs: PendingChangelog[]; offsets: OffsetToCommit[] } {
    const drained = {
      outputs: this.outputs,
      changelogs: this.changelogs,
      offsets: [...this.consumed.values()],
    };
    this.outputs = [];
    this.changelogs = [];
    this.consumed = new Map();
    return drained;
  }

  /** Forgets offsets of partitions no longer owned (their records are dropped with the abort). */
  clear(): void {
    this.drain();
  }
}
