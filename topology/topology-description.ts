/**
 * What `Topology.describe()` returns: Kafka Streams' `TopologyDescription`, with the same
 * `toString()` layout, so descriptions can be compared with (and read like) Kafka Streams' own.
 */
export type NodeDescription = SourceDescription | ProcessorDescription | SinkDescription;

function nodeNames(names: readonly string[]): string {
  return names.length === 0 ? 'none' : names.join(', ');
}

/** Java's `Set.toString()`. */
function setString(items: readonly string[]): string {
  return `[${items.join(', ')}]`;
}

export class SourceDescription {
  readonly kind = 'source' as const;
  readonly name: string;
  readonly topics: readonly string[];
  readonly successors: readonly string[];
  readonly predecessors: readonly string[] = [];

  constructor(name: string, topics: readonly string[], successors: readonly string[]) {
    this.name = name;
    this.topics = topics;
    this.successors = successors;
  }

  toString(): string {
    return `Source: ${this.name} (topics: ${setString(this.topics)})\n      --> ${nodeNames(this.successors)}`;
  }
}

export class ProcessorDescription {
  readonly kind = 'processor' as const;
  readonly name: string;
  readonly stores: readonly string[];
  readonly successors: readonly string[];
  readonly predecessors: readonly string[];

  constructor(
    name: string,
    stores: readonly string[],
    successors: readonly string[],
    predecessors: readonly string[],
  ) {
    this.name = name;
    this.stores = stores;
    this.successors = successors;
    this.predecessors = predecessors;
  }

  toString(): string {
    return (
      `Processor: ${this.name} (stores: ${setString(this.stores)})\n` +
      `      --> ${nodeNames(this.successors)}\n      <-- ${nodeNames(this.predecessors)}`
    );
  }
}

export class SinkDescription {
  readonly kind = 'sink' as const;
  readonly name: string;
  /** null when a TopicNameExtractor picks the topic. */
  readonly topic: string | null;
  readonly topicExtractorName: string | null;
  readonly successors: readonly string[] = [];
  readonly predecessors: readonly string[];

  constructor(
    name: string,
    topic: string | null,
    topicExtractorName: string | null,
    predecessors: readonly string[],
  ) {
    this.name = name;
    this.topic = topic;
    this.topicExtractorName = topicExtractorName;
    this.predecessors = predecessors;
  }

  toString(): string {
    const target =
      this.topic !== null ? `topic: ${this.topic}` : `extractor class: ${this.topicExtractorName}`;
    return `Sink: ${this.name} (${target})\n      <-- ${nodeNames(this.predecessors)}`;
  }
}

export class SubtopologyDescription {
  readonly id: number;
  /** In Kafka Streams' order: larger sub-trees first, then by name. */
  readonly nodes: readonly NodeDescription[];

  constructor(id: number, nodes: readonly NodeDescription[]) {
    this.id = id;
    this.nodes = nodes;
  }

  toString(): string {
    return `Sub-topology: ${this.id}\n${this.nodes.map((n) => `    ${n.toString()}\n`).join('')}\n`;
  }
}

export class GlobalStoreDescription {
  readonly id: number;
  readonly source: SourceDescription;
  readonly processor: ProcessorDescription;

  constructor(id: number, source: SourceDescription, processor: ProcessorDescription) {
    this.id = id;
    this.source = source;
    this.processor = processor;
  }

  toString(): string {
    return (
      `Sub-topology: ${this.id} for global store (will not generate tasks)\n` +
      `    ${this.source.toString()}\n    ${this.processor.toString()}\n`
    );
  }
}

export class TopologyDescription {
  readonly subtopologies: readonly SubtopologyDescription[];
  readonly globalStores: readonly GlobalStoreDescription[];

  constructor(
    subtopologies: readonly SubtopologyDescription[],
    globalStores: readonly GlobalStoreDescription[],
  ) {
    this.subtopologies = [...subtopologies].sort((a, b) => a.id - b.id);
    this.globalStores = [...globalStores].sort((a, b) => a.id - b.id);
  }

  /** Sub-topologies and global stores interleaved by id, each prefixed like Kafka Streams does. */
  toString(): string {
    const parts = [...this.subtopologies, ...this.globalStores].sort((a, b) => a.id - b.id);
    return `Topologies:\n ${parts.map((p) => `  ${p.toString()}`).join('')}`;
  }
}
