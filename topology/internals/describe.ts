import {
  GlobalStoreDescription,
  ProcessorDescription,
  SinkDescription,
  SourceDescription,
  SubtopologyDescription,
  TopologyDescription,
  type NodeDescription,
} from '../topology-description.ts';
import type { GraphBuilder } from './graph-builder.ts';
import { predecessorsOf } from './graph.ts';
import type { SubtopologyDef } from './subtopologies.ts';

/**
 * Builds the description. Nodes and neighbour lists are ordered as Kafka Streams orders them: by
 * the size of the sub-tree rooted at the node (descending), then by name. Kafka Streams computes
 * neighbour order with sizes at insertion time in hash order; we use final sizes, which gives the
 * same output for trees and chains (the usual case).
 */
export function describeTopology(
  graph: GraphBuilder,
  subtopologies: readonly SubtopologyDef[],
): TopologyDescription {
  const subs: SubtopologyDescription[] = [];
  const globals: GlobalStoreDescription[] = [];
  for (const sub of subtopologies) {
    const members = new Set(sub.nodes);
    const successors = new Map<string, string[]>();
    for (const name of sub.nodes) successors.set(name, []);
    for (const name of sub.nodes) {
      for (const parent of predecessorsOf(graph.node(name))) {
        if (members.has(parent)) successors.get(parent)?.push(name);
      }
    }
    const sizes = new Map<string, number>();
    const sizeOf = (name: string): number => {
      const known = sizes.get(name);
      if (known !== undefined) return known;
      // Counts paths like Kafka Streams' updateSize: a node reachable twice (merge) counts twice.
      const size = 1 + (successors.get(name) ?? []).reduce((sum, child) => sum + sizeOf(child), 0);
      sizes.set(name, size);
      return size;
    };
    const order = (a: string, b: string): number => sizeOf(b) - sizeOf(a) || (a < b ? -1 : a > b ? 1 : 0);

    const describeNode = (name: string): NodeDescription => {
      const node = graph.node(name);
      const succ = [...(successors.get(name) ?? [])].sort(order);
      const pred = [...predecessorsOf(node)].sort(order);
      if (node.kind === 'source') return new SourceDescription(name, node.topics, succ);
      if (node.kind === 'processor') return new ProcessorDescription(name, [...node.stores], succ, pred);
      const extractorName = node.topicExtractor ? node.topicExtractor.name || 'TopicNameExtractor' : null;
      return new SinkDescription(name, node.topic, extractorName, pred);
    };

    if (sub.global) {
      const source = sub.nodes.find((n) => graph.node(n).kind === 'source');
      const processor = sub.nodes.find((n) => graph.node(n).kind === 'processor');
      if (source !== undefined && processor !== undefined) {
        globals.push(
          new GlobalStoreDescription(
            sub.id,
            describeNode(source) as SourceDescription,
            describeNode(processor) as ProcessorDescription,
          ),
        );
        continue;
      }
    }
    subs.push(new SubtopologyDescription(sub.id, [...sub.nodes].sort(order).map(describeNode)));
  }
  return new TopologyDescription(subs, globals);
}
