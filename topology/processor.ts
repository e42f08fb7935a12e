import type { StateStore } from '../state-stores/state-store.ts';
import type { RecordMetadata, StreamRecord } from '../engine-common/record.ts';

export const PunctuationType = {
  /** Fires as stream time (the max record timestamp seen by the task) passes each interval. */
  STREAM_TIME: 'STREAM_TIME',
  /** Fires on the wall clock, even when no records arrive: timeouts and retries use this. */
  WALL_CLOCK_TIME: 'WALL_CLOCK_TIME',
} as const;
export type PunctuationType = (typeof PunctuationType)[keyof typeof PunctuationType];

/** Called with the time (stream or wall clock, ms) at which it fired. May be async. */
export type Punctuator = (timestamp: number) => void | Promise<void>;

export interface Cancellable {
  cancel(): void;
}

/** Identifies a task: `<subtopologyId>_<partition>`, as in Kafka Streams. */
export interface TaskId {
  readonly subtopology: number;
  readonly partition: number;
}

export function formatTaskId(id: TaskId): string {
  return `${id.subtopology}_${id.partition}`;
}

/**
 * What a processor sees of the task running it. `forward` sends a record to all children,
 * or to the child named `childName`.
 */
export interface ProcessorContext<KForward = unknown, VForward = unknown> {
  readonly applicationId: string;
  readonly taskId: TaskId;
  forward(record: StreamRecord<KForward, VForward>, childName?: string): void;
  getStateStore<S extends StateStore = StateStore>(name: string): S;
  schedule(intervalMs: number, type: PunctuationType, punctuator: Punctuator): Cancellable;
  /** Topic/partition/offset of the record being processed; null inside a punctuator. */
  recordMetadata(): RecordMetadata | null;
  currentStreamTimeMs(): number;
  currentSystemTimeMs(): number;
}

/**
 * A node of the Processor API. `process` may return a Promise: the task awaits it before
 * processing the next record of the same key, so per-key order is preserved.
 */
export interface Processor<KIn, VIn, KOut = never, VOut = never> {
  init?(context: ProcessorContext<KOut, VOut>): void | Promise<void>;
  process(record: StreamRecord<KIn, VIn>): void | Promise<void>;
  close?(): void | Promise<void>;
}

/** Makes a fresh processor instance per task. */
export type ProcessorSupplier<KIn, VIn, KOut = never, VOut = never> = () => Processor<KIn, VIn, KOut, VOut>;
