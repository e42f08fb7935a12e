import { Consumer } from '@platformatic/kafka';
import { KafkaClientError } from '../../engine-common/errors.ts';
import type { ConsumedRecord, PartitionReaderPort, RecordOutcome, TopicPartition } from '../ports/ports.ts';
import { tpKey } from '../ports/ports.ts';
import { baseOptions, type ClientSettings } from './client-options.ts';
import { Fetcher } from './fetcher.ts';

/**
 * Below the end it was given, a partition always has a batch to return (data, aborted data or a
 * marker: the fetcher moves past each), so a fetch that returns nothing means no answer (its
 * leader is moving, the broker restarting). Asked again this long, with a growing pause, then the
 * read fails: returning early would let a restore checkpoint past records it never applied.
 */
const NO_ANSWER_TIMEOUT_MS = 30_000;
const NO_ANSWER_PAUSE_MS = [50, 100, 250, 500, 1000];

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
    let unanswered = 0;
    let unansweredSince = 0;
    while (position < to) {
      const result = await this.fetcher.fetch([{ ...partition, offset: position }], 100);
      // Out of range: the records before `to` are gone (retention, a recreated topic): nothing
      // more to read here, as before.
      if (result.outOfRange.some((tp) => tpKey(tp) === tpKey(partition))) return;
      const next = result.next.get(tpKey(partition));
      const records = result.records.filter((r) => r.offset < to);
      if (records.length > 0) yield records;
      if (next === undefined || next <= position) {
        if (unanswered === 0) unansweredSince = Date.now();
        if (Date.now() - unansweredSince > NO_ANSWER_TIMEOUT_MS)
          throw new KafkaClientError(
            `reading ${tpKey(partition)} from ${position} to ${to}: no answer from its leader for ${NO_ANSWER_TIMEOUT_MS / 1000} s`,
          );
        const pause = NO_ANSWER_PAUSE_MS[Math.min(unanswered, NO_ANSWER_PAUSE_MS.length - 1)] as number;
        unanswered++;
        await new Promise((resolve) => setTimeout(resolve, pause));
        continue;
      }
      unanswered = 0;
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
