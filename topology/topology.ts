import type { StoreBuilder } from '../state-stores/state-store.ts';
import { TopologyError } from '../engine-common/errors.ts';
import { describeTopology } from './internals/describe.ts';
import { GraphBuilder } from './internals/graph-builder.ts';
import type { NodeDef, StoreDef } from './internals/graph.ts';
import {
  copartitionGroups,
  validatePartitionCounts,
  type PartitionCounts,
} from './internals/partitioning.ts';
import { computeSubtopologies, type SubtopologyDef } from './internals/subtopologies.ts';
import { changelogTopicName, internalTopicName } from './internals/topic-names.ts';
import type { Consumed, TopicNameExtractor } from './options.ts';
import type { ProcessorSupplier } from './processor.ts';
import type { Serde } from '../engine-common/serde.ts';
import type { TopologyDescription } from './topology-description.ts';

/** A sub-topology as the runtime sees it, internal topic names resolved with the application id. */
export interface SubtopologyInfo {
  readonly id: number;
  readonly global: boolean;
  readonly sourceTopics: readonly string[];
  /** The subset of `sourceTopics` that are repartition topics. */
  readonly repartitionSourceTopics: readonly string[];
  readonly sinkTopics: readonly string[];
  readonly stores: readonly { readonly name: string; readonly changelogTopic: string | null }[];
}

/** An internal topic the application creates before it starts. */
export interface InternalTopicSpec {
  readonly name: string;
  readonly type: 'repartition' | 'changelog';
  /** Fixed by the topology (`repartition({ partitions })`); otherwise see `validatePartitionCounts`. */
  readonly partitions: number | null;
  readonly config: Readonly<Record<string, string>>;
}

/** What a task instantiates: the nodes of one sub-topology, in topological order. */
export interface ProcessorTopology {
  readonly subtopologyId: number;
  readonly global: boolean;
  readonly nodes: readonly NodeDef[];
  /** Child node names per node, in insertion order. */
  readonly children: ReadonlyMap<string, readonly string[]>;
  /** Source node per resolved topic name. */
  readonly sourceByTopic: ReadonlyMap<string, Extract<NodeDef, { kind: 'source' }>>;
  readonly stores: ReadonlyMap<string, StoreDef>;
  /** Every global store of the topology, readable by any processor. */
  readonly globalStores: readonly string[];
  /** Resolves a topic name as written in the topology (repartition topics get the application id). */
  resolveTopic(topic: string): string;
}

/**
 * A built processing graph: Kafka Streams' `Topology`. Made by `StreamsBuilder.build()`, or by hand
 * with the Processor API (`addSource`, `addProcessor`, `addSink`, `addStateStore`).
 *
 * Internal topic names depend on the application id, which is only known when the topology runs:
 * methods that return topic names take it as an optional argument (without it, repartition topics
 * keep their bare `<name>-repartition` names, as `describe()` shows them).
 */
export class Topology {
  /** @internal The graph; the DSL and the task core use it, applications should not. */
  readonly graph: GraphBuilder;
  private cachedVersion = -1;
  private cachedSubtopologies: SubtopologyDef[] = [];

  constructor(graph: GraphBuilder = new GraphBuilder()) {
    this.graph = graph;
  }

  addSource<K = Buffer, V = Buffer>(
    name: string,
    topics: string | readonly string[],
    consumed: Consumed<K, V> = {},
  ): this {
    this.graph.addSource({
      name,
      topics: typeof topics === 'string' ? [topics] : topics,
      keySerde: consumed.keySerde as Serde<unknown> | undefined,
      valueSerde: consumed.valueSerde as Serde<unknown> | undefined,
      timestampExtractor: consumed.timestampExtractor as Consumed<unknown, unknown>['timestampExtractor'],
    });
    return this;
  }

  addProcessor<KIn, VIn, KOut, VOut>(
    name: string,
    supplier: ProcessorSupplier<KIn, VIn, KOut, VOut>,
    ...parentNames: string[]
  ): this {
    this.graph.addProcessor(name, supplier, parentNames);
    return this;
  }

  addSink<K, V>(
    name: string,
    topic: string | TopicNameExtractor<K, V>,
    serdes: { keySerde?: Serde<K>; valueSerde?: Serde<V> },
    ...parentNames: string[]
  ): this {
    this.graph.addSink({
      name,
      topic: topic as string | TopicNameExtractor<unknown, unknown>,
      keySerde: (serdes.keySerde as Serde<unknown> | undefined) ?? null,
      valueSerde: (serdes.valueSerde as Serde<unknown> | undefined) ?? null,
      predecessors: parentNames,
    });
    return this;
  }

  addStateStore(storeBuilder: StoreBuilder, ...processorNames: string[]): this {
    this.graph.addStateStore(storeBuilder);
    for (const processor of processorNames)
      this.graph.connectProcessorAndStores(processor, [storeBuilder.name]);
    return this;
  }

  connectProcessorAndStateStores(processorName: string, ...storeNames: string[]): this {
    this.graph.connectProcessorAndStores(processorName, storeNames);
    return this;
  }

  describe(): TopologyDescription {
    return describeTopology(this.graph, this.subtopologyDefs());
  }

  subtopologies(applicationId?: string): SubtopologyInfo[] {
    const resolve = (t: string): string => this.resolveTopic(t, applicationId);
    return this.subtopologyDefs().map((sub) => ({
      id: sub.id,
      global: sub.global,
      sourceTopics: sub.sourceTopics.map(resolve),
      repartitionSourceTopics: sub.sourceTopics
        .filter((t) => this.graph.repartitionTopics().has(t))
        .map(resolve),
      sinkTopics: sub.sinkTopics.map(resolve),
      stores: sub.stores.map((name) => ({
        name,
        changelogTopic:
          !sub.global && this.graph.stores().get(name)?.builder.loggingEnabled
            ? changelogTopicName(applicationId, name)
            : null,
      })),
    }));
  }

  /** Topics read by stream tasks (repartition topics included). Global store topics are not. */
  sourceTopics(applicationId?: string): string[] {
    return this.subtopologies(applicationId)
      .filter((s) => !s.global)
      .flatMap((s) => s.sourceTopics);
  }

  /** Topics feeding global stores: consumed from all partitions by every instance. */
  globalSourceTopics(): string[] {
    return this.subtopologies()
      .filter((s) => s.global)
      .flatMap((s) => s.sourceTopics);
  }

  /** Repartition and changelog topics, with the configs Kafka Streams gives them. */
  internalTopics(applicationId: string): InternalTopicSpec[] {
    const specs: InternalTopicSpec[] = [];
    for (const def of this.graph.repartitionTopics().values()) {
      specs.push({
        name: internalTopicName(applicationId, def.name),
        type: 'repartition',
        partitions: def.partitions,
        // Consumed records are purged by the app (deleteRecords), so time-based retention is off.
        config: { 'cleanup.policy': 'delete', 'retention.ms': '-1', 'segment.bytes': '52428800' },
      });
    }
    for (const sub of this.subtopologies(applicationId)) {
      for (const store of sub.stores) {
        if (store.changelogTopic === null) continue;
        const builder = this.graph.stores().get(store.name)?.builder;
        specs.push({
          name: store.changelogTopic,
          type: 'changelog',
          partitions: null,
          config: { ...builder?.logConfig, 'cleanup.policy': 'compact' },
        });
      }
    }
    return specs;
  }

  /** Topics that must have equal partition counts: each sub-topology's sources (groups of two or more). */
  copartitionGroups(applicationId?: string): string[][] {
    return copartitionGroups(this.graph, this.subtopologyDefs(), applicationId);
  }

  /**
   * Checks the partition counts of the external source topics (`counts`, by topic name) and
   * derives those of the repartition and changelog topics. Throws a TopologyError naming the
   * topics when sources of one sub-topology are not co-partitioned or a source topic is missing.
   */
  validatePartitionCounts(counts: ReadonlyMap<string, number>, applicationId?: string): PartitionCounts {
    return validatePartitionCounts(this.graph, this.subtopologyDefs(), counts, applicationId);
  }

  /** The nodes and stores one task of `subtopologyId` runs. */
  processorTopology(subtopologyId: number, applicationId: string): ProcessorTopology {
    const sub = this.subtopologyDefs().find((s) => s.id === subtopologyId);
    if (!sub)
      throw new TopologyError(
        `No sub-topology ${subtopologyId} (the topology has ${this.subtopologyDefs().length})`,
      );
    const nodes = sub.nodes.map((n) => this.graph.node(n));
    const children = new Map<string, string[]>(sub.nodes.map((n) => [n, []]));
    const sourceByTopic = new Map<string, Extract<NodeDef, { kind: 'source' }>>();
    for (const node of nodes) {
      if (node.kind === 'source') {
        for (const topic of node.topics) sourceByTopic.set(this.resolveTopic(topic, applicationId), node);
      } else {
        for (const parent of node.predecessors) children.get(parent)?.push(node.name);
      }
    }
    const stores = new Map<string, StoreDef>();
    for (const name of sub.stores) stores.set(name, this.graph.stores().get(name) as StoreDef);
    const globalStores = [...this.graph.stores().entries()].filter(([, d]) => d.global).map(([n]) => n);
    return {
      subtopologyId,
      global: sub.global,
      nodes,
      children,
      sourceByTopic,
      stores,
      globalStores,
      resolveTopic: (topic) => this.resolveTopic(topic, applicationId),
    };
  }

  resolveTopic(topic: string, applicationId?: string): string {
    return this.graph.repartitionTopics().has(topic) ? internalTopicName(applicationId, topic) : topic;
  }

  private subtopologyDefs(): SubtopologyDef[] {
    if (this.cachedVersion !== this.graph.version) {
      this.cachedSubtopologies = computeSubtopologies(this.graph);
      this.cachedVersion = this.graph.version;
    }
    return this.cachedSubtopologies;
  }
}
