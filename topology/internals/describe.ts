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

/** Java's `String.hashCode()` (UTF-16 code units, 32-bit wrap-around). */
function javaStringHash(value: string): number {
  let h = 0;
  for (let i = 0; i < value.length; i++) h = (Math.imul(31, h) + value.charCodeAt(i)) | 0;
  return h;
}

/**
 * The iteration order of a Java `HashMap<String, …>` filled with `keys` in that order: by bucket
 * (spread hash masked by the table size: 16, doubled while more than 3/4 full), then by insertion.
 */
function javaHashMapOrder(keys: readonly string[]): string[] {
  let capacity = 16;
  while (keys.length > capacity * 0.75) capacity *= 2;
  const bucket = (key: string): number => {
    const h = javaStringHash(key);
    return (h ^ (h >>> 16)) & (capacity - 1);
  };
  return keys
    .map((key, index) => ({ key, index, bucket: bucket(key) }))
    .sort((a, b) => a.bucket - b.bucket || a.index - b.index)
    .map(({ key }) => key);
}

/**
 * A `TreeSet` whose comparator reads mutable sizes: each element is placed by comparing it with
 * the elements on its search path at insertion time, and stays there when sizes change later.
 * (A plain binary search tree: the same in-order as Java's red-black tree up to three elements,
 * which covers neighbour lists in practice.)
 */
class InsertionOrderedSet {
  private root: { name: string; left: unknown; right: unknown } | null = null;
  private readonly compare: (a: string, b: string) => number;
  constructor(compare: (a: string, b: string) => number) {
    this.compare = compare;
  }
  add(name: string): void {
    type TreeNode = { name: string; left: TreeNode | null; right: TreeNode | null };
    const fresh: TreeNode = { name, left: null, right: null };
    let node = this.root as TreeNode | null;
    if (node === null) {
      this.root = fresh;
      return;
    }
    for (;;) {
      const c = this.compare(name, node.name);
      if (c === 0) return;
      const next: TreeNode | null = c < 0 ? node.left : node.right;
      if (next === null) {
        if (c < 0) node.left = fresh;
        else node.right = fresh;
        return;
      }
      node = next;
    }
  }
  values(): string[] {
    type TreeNode = { name: string; left: TreeNode | null; right: TreeNode | null };
    const out: string[] = [];
    const walk = (node: TreeNode | null): void => {
      if (node === null) return;
      walk(node.left);
      out.push(node.name);
      walk(node.right);
    };
    walk(this.root as TreeNode | null);
    return out;
  }
}

/**
 * Builds the description as Kafka Streams' `InternalTopologyBuilder.describeSubtopology` does:
 * nodes are linked in Java HashMap order of their names, each link adding the child's sub-tree
 * size to the parent and its ancestors; neighbour lists are TreeSets ordered by sub-tree size
 * (descending) then name, as the sizes were when each neighbour was added. The nodes of a
 * sub-topology are then listed by final size, then name.
 */
export function describeTopology(
  graph: GraphBuilder,
  subtopologies: readonly SubtopologyDef[],
): TopologyDescription {
  const subs: SubtopologyDescription[] = [];
  const globals: GlobalStoreDescription[] = [];
  for (const sub of subtopologies) {
    const members = new Set(sub.nodes);
    const sizes = new Map<string, number>();
    for (const name of sub.nodes) sizes.set(name, 1);
    const sizeOf = (name: string): number => sizes.get(name) ?? 1;
    const order = (a: string, b: string): number => sizeOf(b) - sizeOf(a) || (a < b ? -1 : a > b ? 1 : 0);
    const predSets = new Map<string, InsertionOrderedSet>();
    const succSets = new Map<string, InsertionOrderedSet>();
    for (const name of sub.nodes) {
      predSets.set(name, new InsertionOrderedSet(order));
      succSets.set(name, new InsertionOrderedSet(order));
    }
    const updateSize = (name: string, delta: number): void => {
      sizes.set(name, sizeOf(name) + delta);
      for (const parent of predSets.get(name)?.values() ?? []) updateSize(parent, delta);
    };
    for (const name of javaHashMapOrder(sub.nodes)) {
      for (const parent of predecessorsOf(graph.node(name))) {
        if (!members.has(parent)) continue;
        predSets.get(name)?.add(parent);
        succSets.get(parent)?.add(name);
        updateSize(parent, sizeOf(name));
      }
    }

    const describeNode = (name: string): NodeDescription => {
      const node = graph.node(name);
      const succ = succSets.get(name)?.values() ?? [];
      const pred = predSets.get(name)?.values() ?? [];
      if (node.kind === 'source') return new SourceDescription(name, node.topics, succ);
      // Kafka Streams lists a processor's stores from a HashSet.
      if (node.kind === 'processor') {
        return new ProcessorDescription(name, javaHashMapOrder([...node.stores]), succ, pred);
      }
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
