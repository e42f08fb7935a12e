/**
 * Declaring stream-processing graphs: the DSL (`StreamsBuilder`, `KStream`, `KTable`), the
 * Processor API types, the built `Topology` and its description. Pure: no I/O.
 */
export { StreamsBuilder, type StreamsBuilderConfig } from './streams-builder.ts';
export {
  Topology,
  type SubtopologyInfo,
  type InternalTopicSpec,
  type ProcessorTopology,
} from './topology.ts';
export type { KStream } from './kstream.ts';
export type { BranchedKStream, Branched } from './branched-kstream.ts';
export type { KGroupedStream } from './kgrouped-stream.ts';
export type { KTable } from './ktable.ts';
export type { GlobalKTable } from './global-ktable.ts';
export type { TimeWindowedKStream } from './time-windowed-kstream.ts';
export type { SessionWindowedKStream } from './session-windowed-kstream.ts';
export {
  TimeWindows,
  JoinWindows,
  SessionWindows,
  EmitStrategy,
  WindowedSerdes,
  type Window,
  type Windowed,
  type EmitStrategyValue,
} from './windows.ts';
export type {
  Named,
  Consumed,
  ConsumedRecord,
  Produced,
  Grouped,
  Repartitioned,
  Materialized,
  StreamJoined,
  RecordContext,
  TopicNameExtractor,
  TimestampExtractor,
} from './options.ts';
export type {
  DslStoreSuppliers,
  DslStoreType,
  DslKeyValueStoreParams,
  DslSegmentedStoreParams,
} from './dsl-store-suppliers.ts';
export {
  TopologyDescription,
  SubtopologyDescription,
  GlobalStoreDescription,
  SourceDescription,
  ProcessorDescription,
  SinkDescription,
  type NodeDescription,
} from './topology-description.ts';
export type { PartitionCounts } from './internals/partitioning.ts';
export { changelogTopicName, internalTopicName } from './internals/topic-names.ts';

// The Processor API and the shared contracts.
export {
  PunctuationType,
  formatTaskId,
  type Punctuator,
  type Cancellable,
  type TaskId,
  type ProcessorContext,
  type Processor,
  type ProcessorSupplier,
} from './processor.ts';
export { StreamRecord, type Headers, type RecordMetadata } from '../engine-common/record.ts';
export { Serdes, type Serde } from '../engine-common/serde.ts';
export * from '../engine-common/errors.ts';
export type { KeyValue } from '../state-stores/state-store.ts';

// What the task core instantiates from a built topology is in ./internal.ts (engine only).
