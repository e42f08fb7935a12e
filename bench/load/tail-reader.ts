import { Consumer, ListOffsetTimestamps } from '@platformatic/kafka';
import type { ConsumedRecord } from '../../runtime/index.ts';
// The engine's own read_committed fetch: it drops aborted transactions even when they span several
// fetch responses, which the client library's filter alone does not (a status written in an aborted
// transaction would otherwise be timed as if it had happened).
import { Fetcher, type FetchPosition } from '../../runtime/kafka/fetcher.ts';
import { clientOptions } from './kafka-options.ts';

const READ_COMMITTED = 1;

export interface TailReaderOptions {
  bootstrap: string;
  topic: string;
  clientId: string;
  /** Called with each fetched batch and the monotonic clock (ms) at which the fetch returned. */
  onRecords(records: readonly ConsumedRecord[], readAt: number): void;
  /** Long-poll bound: a fetch returns as soon as any partition has data, or after this long. */
  maxWaitMs?: number;
  clock?: () => number;
}

/**
 * A long-running, group-less, read_committed reader of one topic from its end at start (records
 * already there belong to earlier runs). One fetch in flight at a time, each a long poll, so a
 * record is seen about one broker round trip after its transaction commits, without the request
 * storm of polling (bench/load/measure-clients.ts compares it with `KafkaClient.readNew`).
 */
export class TailReader {
  private readonly consumer: Consumer;
  private readonly fetcher: Fetcher;
  private readonly options: TailReaderOptions;
  private readonly positions: Map<number, bigint>;
  private stopping = false;
  private loop: Promise<void> = Promise.resolve();
  /** Fetch errors seen (each retried); a run reports them so a flaky read is not silent. */
  errors = 0;
  lastError: unknown = null;
  fetches = 0;
  records = 0;

  private constructor(consumer: Consumer, options: TailReaderOptions, positions: Map<number, bigint>) {
    this.consumer = consumer;
    this.fetcher = new Fetcher(consumer, 'bench-tail-reader');
    this.options = options;
    this.positions = positions;
  }

  static async start(options: TailReaderOptions): Promise<TailReader> {
    const consumer = new Consumer({
      ...clientOptions(options.bootstrap, options.clientId),
      // Required by the client; this consumer never joins the group nor commits.
      groupId: `${options.clientId}-unused-group`,
    });
    try {
      const metadata = await consumer.metadata({ topics: [options.topic] });
      const count = metadata.topics.get(options.topic)?.partitionsCount;
      if (count === undefined) throw new Error(`Topic ${options.topic} does not exist`);
      const partitions = Array.from({ length: count }, (_, p) => p);
      const ends = await consumer.listOffsets({
        topics: [options.topic],
        partitions: { [options.topic]: partitions },
        timestamp: ListOffsetTimestamps.LATEST,
        isolationLevel: READ_COMMITTED,
      });
      const offsets = ends.get(options.topic) ?? [];
      const positions = new Map(partitions.map((p) => [p, offsets[p] ?? 0n]));
      const reader = new TailReader(consumer, options, positions);
      reader.loop = reader.run();
      return reader;
    } catch (error) {
      await consumer.close(true).catch(() => undefined);
      throw error;
    }
  }

  private async run(): Promise<void> {
    const clock = this.options.clock ?? (() => performance.now());
    const topic = this.options.topic;
    while (!this.stopping) {
      const wanted: FetchPosition[] = [...this.positions].map(([partition, offset]) => ({
        topic,
        partition,
        offset,
      }));
      try {
        const result = await this.fetcher.fetch(wanted, this.options.maxWaitMs ?? 200);
        const readAt = clock();
        this.fetches++;
        for (const [key, next] of result.next) {
          const partition = Number(key.slice(key.lastIndexOf(':') + 1));
          this.positions.set(partition, next);
        }
        // Only if records were deleted under us (retention); statuses there are lost to this run.
        if (result.outOfRange.length > 0) await this.resetToEnd(result.outOfRange.map((p) => p.partition));
        if (result.records.length > 0) {
          this.records += result.records.length;
          this.options.onRecords(result.records, readAt);
        }
      } catch (error) {
        if (this.stopping) return;
        this.errors++;
        this.lastError = error;
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    }
  }

  private async resetToEnd(partitions: number[]): Promise<void> {
    const ends = await this.consumer.listOffsets({
      topics: [this.options.topic],
      partitions: { [this.options.topic]: partitions },
      timestamp: ListOffsetTimestamps.LATEST,
      isolationLevel: READ_COMMITTED,
    });
    const offsets = ends.get(this.options.topic) ?? [];
    for (const p of partitions) this.positions.set(p, offsets[p] ?? this.positions.get(p) ?? 0n);
  }

  /** Waits for the fetch in flight (at most `maxWaitMs` plus a round trip), then closes. */
  async stop(): Promise<void> {
    this.stopping = true;
    await this.loop;
    await this.fetcher.close();
    await this.consumer.close(true).catch(() => undefined);
  }
}
