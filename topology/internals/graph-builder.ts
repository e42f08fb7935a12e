import type { StoreBuilder } from '../../state-stores/state-store.ts';
import { TopologyError } from '../../engine-common/errors.ts';
import type { TimestampExtractor, TopicNameExtractor } from '../options.ts';
import type { ProcessorSupplier } from '../processor.ts';
import type { Serde } from '../../engine-common/serde.ts';
import type { NodeDef, RepartitionTopicDef, SinkNodeDef, SourceNodeDef, StoreDef } from './graph.ts';

/** Kafka Streams pads generated indexes to ten digits: `KSTREAM-SOURCE-0000000000`. */
function pad(index: number): string {
  return String(index).padStart(10, '0');
}

/**
 * The mutable graph behind a Topology: Kafka Streams' `InternalTopologyBuilder`. Node insertion
 * order is topological (a node's predecessors must exist when it is added), which the task relies
 * on when it instantiates processors.
 */
export class GraphBuilder {
  private index = 0;
  private readonly nodeMap = new Map<string, NodeDef>();
  private readonly storeMap = new Map<string, StoreDef>();
  private readonly repartitionMap = new Map<string, RepartitionTopicDef>();
  private readonly topicOwners = new Map<string, string>();
  /** Bumped on every change so derived views (sub-topologies, description) can be cached. */
  version = 0;

  /** One counter for processors and stores, as in Kafka Streams, so generated names stay compatible. */
  newProcessorName(prefix: string): string {
    return prefix + pad(this.index++);
  }

  newStoreName(prefix: string): string {
    return `${prefix}STATE-STORE-${pad(this.index++)}`;
  }

  nodes(): ReadonlyMap<string, NodeDef> {
    return this.nodeMap;
  }

  stores(): ReadonlyMap<string, StoreDef> {
    return this.storeMap;
  }

  repartitionTopics(): ReadonlyMap<string, RepartitionTopicDef> {
    return this.repartitionMap;
  }

  node(name: string): NodeDef {
    const node = this.nodeMap.get(name);
    if (!node) throw new TopologyError(`Unknown node ${name}`);
    return node;
  }

  addSource(def: {
    name: string;
    topics: readonly string[];
    keySerde?: Serde<unknown> | null | undefined;
    valueSerde?: Serde<unknown> | null | undefined;
    timestampExtractor?: TimestampExtractor | null | undefined;
    global?: boolean;
  }): void {
    this.checkNewName(def.name);
    if (def.topics.length === 0) throw new TopologyError(`Source ${def.name} must read at least one topic`);
    for (const topic of def.topics) {
      const owner = this.topicOwners.get(topic);
      if (owner !== undefined) {
        throw new TopologyError(
          `Topic ${topic} is already read by source ${owner}; a topic can have one source`,
        );
      }
    }
    for (const topic of def.topics) this.topicOwners.set(topic, def.name);
    const node: SourceNodeDef = {
      kind: 'source',
      name: def.name,
      topics: [...def.topics],
      keySerde: def.keySerde ?? null,
      valueSerde: def.valueSerde ?? null,
      timestampExtractor: def.timestampExtractor ?? null,
      global: def.global ?? false,
    };
    this.nodeMap.set(def.name, node);
    this.version++;
  }

  addProcessor<KIn, VIn, KOut, VOut>(
    name: string,
    supplier: ProcessorSupplier<KIn, VIn, KOut, VOut>,
    predecessors: readonly string[],
  ): void {
    this.checkNewName(name);
    this.checkPredecessors(name, predecessors);
    this.nodeMap.set(name, {
      kind: 'processor',
      name,
      supplier: supplier as ProcessorSupplier<unknown, unknown, unknown, unknown>,
      predecessors: [...predecessors],
      stores: [],
    });
    this.version++;
  }

  addSink(def: {
    name: string;
    topic: string | TopicNameExtractor<unknown, unknown>;
    keySerde: Serde<unknown> | null;
    valueSerde: Serde<unknown> | null;
    predecessors: readonly string[];
  }): void {
    this.checkNewName(def.name);
    this.checkPredecessors(def.name, def.predecessors);
    const node: SinkNodeDef = {
      kind: 'sink',
      name: def.name,
      topic: typeof def.topic === 'string' ? def.topic : null,
      topicExtractor: typeof def.topic === 'string' ? null : def.topic,
      keySerde: def.keySerde,
      valueSerde: def.valueSerde,
      predecessors: [...def.predecessors],
    };
    this.nodeMap.set(def.name, node);
    this.version++;
  }

  addStateStore(builder: StoreBuilder, options: { global?: boolean } = {}): void {
    if (this.storeMap.has(builder.name)) {
      throw new TopologyError(`State store ${builder.name} is already added`);
    }
    if (options.global && builder.loggingEnabled) {
      // A global store is restored from its source topic; a changelog would only duplicate it.
      throw new TopologyError(`Global store ${builder.name} must have logging disabled`);
    }
    this.storeMap.set(builder.name, { builder, global: options.global ?? false });
    this.version++;
  }

  hasStore(name: string): boolean {
    return this.storeMap.has(name);
  }

  /** `global` is for the processor that fills a global store; other processors read global stores unconnected. */
  connectProcessorAndStores(
    processorName: string,
    storeNames: readonly string[],
    options: { global?: boolean } = {},
  ): void {
    const node = this.nodeMap.get(processorName);
    if (!node || node.kind !== 'processor') {
      throw new TopologyError(`Cannot connect stores to ${processorName}: no processor has that name`);
    }
    for (const store of storeNames) {
      const def = this.storeMap.get(store);
      if (!def) {
        throw new TopologyError(
          `Processor ${processorName} uses state store ${store}, which is not added (StreamsBuilder.addStateStore)`,
        );
      }
      if (def.global && !options.global) {
        throw new TopologyError(
          `Global store ${store} need not be connected to ${processorName}: every processor can read it`,
        );
      }
      if (!node.stores.includes(store)) node.stores.push(store);
    }
    this.version++;
  }

  addRepartitionTopic(name: string, partitions: number | null): void {
    if (this.repartitionMap.has(name)) {
      throw new TopologyError(`Repartition topic ${name} is already defined; name the operation differently`);
    }
    if (partitions !== null && (!Number.isInteger(partitions) || partitions < 1)) {
      throw new TopologyError(
        `Repartition topic ${name}: partitions must be a positive integer, got ${partitions}`,
      );
    }
    this.repartitionMap.set(name, { name, partitions });
    this.version++;
  }

  private checkNewName(name: string): void {
    if (!name) throw new TopologyError('Node names must not be empty');
    if (this.nodeMap.has(name))
      throw new TopologyError(`Node ${name} is already added; names must be unique`);
  }

  private checkPredecessors(name: string, predecessors: readonly string[]): void {
    if (predecessors.length === 0) throw new TopologyError(`Node ${name} must have at least one parent`);
    for (const parent of predecessors) {
      const node = this.nodeMap.get(parent);
      if (!node) throw new TopologyError(`Parent ${parent} of ${name} is not added yet`);
      if (node.kind === 'sink') throw new TopologyError(`Sink ${parent} cannot be the parent of ${name}`);
    }
  }
}
