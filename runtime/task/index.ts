/**
 * The processing core: runs one task of a topology (one sub-topology on one partition) without
 * any Kafka I/O. The runtime drives it on Kafka; the TopologyTestDriver drives it in-process.
 */
export { TaskProcessor } from './task-processor.ts';
export type {
  TaskProcessorOptions,
  TaskInputRecord,
  TaskCounters,
  ProcessingExceptionHandler,
} from './task-options.ts';
export type {
  RecordCollector,
  OutgoingRecord,
  ChangelogCollector,
  ChangelogRecordOut,
} from './record-collector.ts';
export {
  DeadLetterHeader,
  DEAD_LETTER_TOPIC,
  buildDeadLetterRecord,
  deadLetterHeaders,
  readDeadLetterHeaders,
  errorReason,
  type DeadLetterRecord,
  type DeadLetterHandler,
  type DeadLetterStage,
  type DeadLetterSource,
} from './dead-letter.ts';
export { SystemTime, type Time } from './time.ts';
