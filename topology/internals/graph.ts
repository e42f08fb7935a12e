import type { StoreBuilder } from '../../state-stores/state-store.ts';
import type { TimestampExtractor, TopicNameExtractor } from '../options.ts';
import type { ProcessorSupplier } from '../processor.ts';
import type { Serde } from '../../engine-common/serde.ts';

/**
 * The node definitions of a topology graph, type-erased: the DSL checks types at the edges
 * (KStream<K, V> methods), the graph only wires names together.
 */
export interface SourceNodeDef {
  readonly kind: 'source';
  readonly name: string;
  /** Topic names as declared; repartition topics are resolved with the application id later. */
  readonly topics: readonly string[];
  /** null: the record keeps its raw Buffer. */
  readonly keySerde: Serde<unknown> | null;
  readonly valueSerde: Serde<unknown> | null;
  readonly timestampExtractor: TimestampExtractor | null;
  /** Feeds a global store: consumed from all partitions by every instance, never part of a task. */
  readonly global: boolean;
}

export interface ProcessorNodeDef {
  readonly kind: 'processor';
  readonly name: string;
  readonly supplier: ProcessorSupplier<unknown, unknown, unknown, unknown>;
  readonly predecessors: readonly string[];
  /** Stores this processor may read and write; grows as stores are connected. */
  readonly stores: string[];
}

export interface SinkNodeDef {
  readonly kind: 'sink';
  readonly name: string;
  /** A fixed topic, or null when `topicExtractor` picks one per record. */
  readonly topic: string | null;
  readonly topicExtractor: TopicNameExtractor<unknown, unknown> | null;
  readonly keySerde: Serde<unknown> | null;
  readonly valueSerde: Serde<unknown> | null;
  readonly predecessors: readonly string[];
}

export type NodeDef = SourceNodeDef | ProcessorNodeDef | SinkNodeDef;

export interface StoreDef {
  readonly builder: StoreBuilder;
  /** A global store: read-only for processors of stream tasks, filled by its global source. */
  readonly global: boolean;
}

export interface RepartitionTopicDef {
  /** Unprefixed: `<name>-repartition`. */
  readonly name: string;
  /** Fixed by `repartition({ partitions })`; null: same as the upstream sub-topology's sources. */
  readonly partitions: number | null;
}

export function predecessorsOf(node: NodeDef): readonly string[] {
  return node.kind === 'source' ? [] : node.predecessors;
}
