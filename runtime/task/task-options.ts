import type { StateStore } from '../../state-stores/state-store.ts';
import type { Headers, TaskId } from '../../topology/index.ts';
import type { Logger } from '../logger.ts';
import type { DeadLetterHandler } from './dead-letter.ts';
import type { ChangelogCollector, RecordCollector } from './record-collector.ts';
import type { Time } from './time.ts';

/** A record as consumed from Kafka, still in bytes. */
export interface TaskInputRecord {
  readonly topic: string;
  readonly partition: number;
  readonly offset: bigint;
  readonly key: Buffer | null;
  readonly value: Buffer | null;
  readonly timestamp: number;
  readonly headers: Headers;
}

/**
 * What happens when a processor throws something other than a ValidationError or SerdeError
 * (those always go to the dead-letter topic): `fail` (default) rejects `process()` with a
 * ProcessingError so the runtime aborts the transaction and stops; `dead-letter` sends the input
 * record to the dead-letter topic and continues.
 */
export type ProcessingExceptionHandler = 'dead-letter' | 'fail';

export interface TaskProcessorOptions {
  readonly applicationId: string;
  readonly taskId: TaskId;
  /** Directory owned by this task (the runtime uses `<state.dir>/<application.id>/<task id>`). */
  readonly stateDir: string;
  /** Record cache per store built with caching enabled, in bytes (StreamsConfig.storeCacheMaxBytes). */
  readonly storeCacheMaxBytes?: number;
  readonly recordCollector: RecordCollector;
  /** Receives the changelog records the task's stores write; send them in the same transaction as the outputs. */
  readonly changelogCollector: ChangelogCollector;
  readonly deadLetterHandler: DeadLetterHandler;
  readonly processingExceptionHandler?: ProcessingExceptionHandler;
  /** Default: the system clock. Wall-clock schedules start from it; `punctuateWallClock(now)` fires them. */
  readonly time?: Time;
  /** Default `<application.id>-<store>-changelog`. */
  readonly changelogTopic?: (storeName: string) => string;
  /** Global stores (already initialised by their owner) that processors may read by name. */
  readonly globalStores?: ReadonlyMap<string, StateStore>;
  /** Stream time to resume from (e.g. stored with the committed offsets); default -1, unknown. */
  readonly initialStreamTimeMs?: number;
  readonly logger?: Logger;
}

export interface TaskCounters {
  processed: number;
  deadLettered: number;
  punctuations: number;
  punctuationErrors: number;
}
