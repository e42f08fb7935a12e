import { TopologyError } from '../engine-common/errors.ts';
import { branchProcessor, passThroughProcessor } from './internals/operators/stateless.ts';
import { KStream } from './kstream.ts';
import type { Named } from './options.ts';

/** Names one branch of `split()`; `chain` transforms the branch (its result lands in the returned map). */
export interface Branched<K, V> extends Named {
  readonly chain?: (branch: KStream<K, V>) => KStream<K, V> | void;
}

/**
 * The result of `KStream.split()`: Kafka Streams' `BranchedKStream`. Add branches in order; each
 * record goes to the first branch whose predicate matches, else to the default branch (if any).
 * Branch names are `<split name><branch name>`, or `<split name><index>` (1-based; 0 for the
 * default branch) when a branch is not named; they key the returned map.
 */
export class BranchedKStream<K, V> {
  private readonly source: KStream<K, V>;
  private readonly splitterName: string;
  private readonly predicates: ((key: K, value: V) => boolean)[] = [];
  private readonly childNames: string[] = [];
  private readonly outputs = new Map<string, KStream<K, V>>();
  private closed = false;

  /** @internal Use KStream.split(). */
  constructor(source: KStream<K, V>, splitterName: string) {
    this.source = source;
    this.splitterName = splitterName;
    // The processor sees later branches because it shares these arrays.
    source.ctx.graph.addProcessor(splitterName, branchProcessor(this.predicates, this.childNames), [
      source.nodeName,
    ]);
  }

  branch(predicate: (key: K, value: V) => boolean, branched: Branched<K, V> = {}): this {
    this.checkOpen();
    this.predicates.push(predicate);
    this.createBranch(branched, this.predicates.length);
    return this;
  }

  /** Adds the branch for records no predicate matched, and returns all branches. */
  defaultBranch(branched: Branched<K, V> = {}): Map<string, KStream<K, V>> {
    this.checkOpen();
    this.createBranch(branched, 0);
    this.closed = true;
    return this.outputs;
  }

  /** Returns all branches; records no predicate matched are dropped. */
  noDefaultBranch(): Map<string, KStream<K, V>> {
    this.checkOpen();
    this.closed = true;
    return this.outputs;
  }

  private createBranch(branched: Branched<K, V>, index: number): void {
    const childName = this.splitterName + (branched.name ?? String(index));
    const graph = this.source.ctx.graph;
    // Kafka Streams burns an index per branch; doing the same keeps later generated names equal.
    graph.newProcessorName(childName);
    graph.addProcessor(childName, passThroughProcessor<K, V>(), [this.splitterName]);
    this.childNames.push(childName);
    const branch = new KStream<K, V>(
      this.source.ctx,
      childName,
      this.source.keySerde,
      this.source.valueSerde,
      this.source.repartitionRequired,
    );
    if (branched.chain) {
      const result = branched.chain(branch);
      if (result) this.outputs.set(childName, result);
    } else {
      this.outputs.set(childName, branch);
    }
  }

  private checkOpen(): void {
    if (this.closed)
      throw new TopologyError(`split ${this.splitterName} is complete: no more branches can be added`);
  }
}
