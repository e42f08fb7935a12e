import { Consumer } from '@platformatic/kafka';
import type { ConsumedRecord, PartitionReaderPort, RecordOutcome, TopicPartition } from '../ports/ports.ts';
import { tpKey } from '../ports/ports.ts';
import { baseOptions, type ClientSettings } from './client-options.ts';
import { Fetcher } from './fetcher.ts';

/** A fetch that returns nothing this many times in a row means the range ends in markers only. */
const EMPTY_FETCHES_BEFORE_DONE = 3;

/** Group-less reads of one partition range, read_committed: changelog restoration and tools. */
export class KafkaPartitionReader implements PartitionReaderPort {
  private readonly consumer: Consumer;
  private readonly fetcher: Fetcher;

  constructor(settings: ClientSettings) {
    this.consumer = new Consumer({
      ...baseOptions(settings, 'reader'),
      groupId: `${settings.clientId}-reader`,
    });
    this.fetcher = new Fetcher(this.consumer, settings.clientId);
  }

  async *read(partition: TopicPartition, from: bigint, to: bigint): AsyncIterable<ConsumedRecord[]> {
    let position = from;
    let empty = 0;
    while (position < to) {
      const result = await this.fetcher.fetch([{ ...partition, offset: position }], 100);
      const next = result.next.get(tpKey(partition));
      const records = result.records.filter((r) => r.offset < to);
      if (records.length > 0) yield records;
      if (next === undefined || next <= position) {
        if (++empty >= EMPTY_FETCHES_BEFORE_DONE) return;
        continue;
      }
      empty = 0;
      position = next;
    }
  }

  outcomeAt(partition: TopicPartition, offset: bigint): Promise<RecordOutcome> {
    return this.fetcher.outcomeAt({ ...partition, offset });
  }

  async close(): Promise<void> {
    await this.fetcher.close();
    await this.consumer.close(true).catch(() => undefined);
  }
}
