import type { GraphBuilder } from './graph-builder.ts';
import { predecessorsOf } from './graph.ts';

/** One connected piece of the graph after cutting at repartition topics: runs as one task per partition. */
export interface SubtopologyDef {
  readonly id: number;
  /** Node names in insertion (topological) order. */
  readonly nodes: readonly string[];
  /** Every topic its sources read, as declared (repartition topics unprefixed). */
  readonly sourceTopics: readonly string[];
  /** Fixed sink topics (dynamic sinks are not listed). */
  readonly sinkTopics: readonly string[];
  readonly stores: readonly string[];
  /** A global-store group: no tasks, its source feeds a store every task can read. */
  readonly global: boolean;
}

class UnionFind {
  private readonly parent = new Map<string, string>();

  root(name: string): string {
    let current = name;
    for (;;) {
      const parent = this.parent.get(current) ?? current;
      if (parent === current) return current;
      const grand = this.parent.get(parent) ?? parent;
      this.parent.set(current, grand);
      current = grand;
    }
  }

  unite(a: string, b: string): void {
    const ra = this.root(a);
    const rb = this.root(b);
    if (ra !== rb) this.parent.set(rb, ra);
  }
}

/**
 * Groups nodes into sub-topologies the way Kafka Streams' `makeNodeGroups` does: a node joins its
 * parents, processors sharing a store join each other (a store belongs to one task), and ids are
 * given in the sorted order of source node names, so `KSTREAM-SOURCE-0000000000` is in sub-topology 0.
 */
export function computeSubtopologies(graph: GraphBuilder): SubtopologyDef[] {
  const groups = new UnionFind();
  const storeFirstUser = new Map<string, string>();
  for (const node of graph.nodes().values()) {
    for (const parent of predecessorsOf(node)) groups.unite(parent, node.name);
    if (node.kind === 'processor') {
      for (const store of node.stores) {
        const first = storeFirstUser.get(store);
        if (first === undefined) storeFirstUser.set(store, node.name);
        else groups.unite(first, node.name);
      }
    }
  }

  const idByRoot = new Map<string, number>();
  const sources = [...graph.nodes().values()].filter((n) => n.kind === 'source').map((n) => n.name);
  const others = [...graph.nodes().keys()].filter((n) => graph.node(n).kind !== 'source');
  for (const name of [...sources.sort(), ...others.sort()]) {
    const root = groups.root(name);
    if (!idByRoot.has(root)) idByRoot.set(root, idByRoot.size);
  }

  const members = new Map<number, string[]>();
  for (const name of graph.nodes().keys()) {
    const id = idByRoot.get(groups.root(name)) as number;
    const list = members.get(id) ?? [];
    list.push(name);
    members.set(id, list);
  }

  const result: SubtopologyDef[] = [];
  for (const [id, nodes] of [...members.entries()].sort((a, b) => a[0] - b[0])) {
    const sourceTopics: string[] = [];
    const sinkTopics: string[] = [];
    const stores: string[] = [];
    let global = false;
    for (const name of nodes) {
      const node = graph.node(name);
      if (node.kind === 'source') {
        sourceTopics.push(...node.topics);
        global ||= node.global;
      } else if (node.kind === 'sink') {
        if (node.topic !== null && !sinkTopics.includes(node.topic)) sinkTopics.push(node.topic);
      } else {
        for (const store of node.stores) if (!stores.includes(store)) stores.push(store);
      }
    }
    result.push({ id, nodes, sourceTopics, sinkTopics, stores, global });
  }
  return result;
}
