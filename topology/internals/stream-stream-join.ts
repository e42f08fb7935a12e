import type { JoinWindows } from '../windows.ts';
import { Serdes, type Serde } from '../../engine-common/serde.ts';
import { keyValueStoreBuilder, type DslContext } from './dsl-context.ts';
import { streamJoinSideProcessor, streamJoinWindowProcessor } from './operators/kstream-kstream-join.ts';
import { LeftOrRightListCodec, type LeftOrRightValue } from './operators/kstream-kstream-outer-store.ts';
import { passThroughProcessor } from './operators/stateless.ts';
import { NamePrefix } from './repartition.ts';

/**
 * Adds Kafka Streams' stream-stream join (KStreamImplJoin) below two co-partitioned nodes and
 * returns the merge node's name. A WINDOWED node under each stream buffers that side; JOINTHIS
 * (OUTERTHIS for an outer join) under this stream and JOINOTHER (OUTEROTHER for a left or outer
 * join) under the other probe the other side's buffer; a merge joins them. Both buffers are
 * connected to both processors, so the two streams share one sub-topology. Left and outer joins
 * add the shared store where unmatched records wait for their window to close (Kafka Streams ≥
 * 3.1): the left join's left side and both sides of an outer join emit unmatched records; the
 * inner join is the same with neither.
 */
export function addStreamStreamJoin<K, V, VO, VR>(
  ctx: DslContext,
  options: {
    thisNode: string;
    otherNode: string;
    keySerde: Serde<K>;
    valueSerde: Serde<V>;
    otherSerde: Serde<VO>;
    windows: JoinWindows;
    /** StreamJoined.name: names the processors, not the stores. */
    name: string | undefined;
    mode: 'inner' | 'left' | 'outer';
    /** Called with null for the side that never matched (left and outer joins only). */
    joiner: (value: V | null, otherValue: VO | null, key: K) => VR;
  },
): string {
  const { keySerde, valueSerde, otherSerde, windows, name: base, joiner } = options;
  const leftOuter = options.mode !== 'inner';
  const rightOuter = options.mode === 'outer';
  const graph = ctx.graph;
  // Kafka Streams' order: the two KSTREAM-WINDOWED nodes, JOINTHIS (OUTERTHIS), JOINOTHER
  // (OUTEROTHER), then the merge. The names are generated even for a named join (the indexes are
  // burnt), and the stores keep the generated names: StreamJoined.name names the processors only.
  const genThisWindowed = graph.newProcessorName(NamePrefix.WINDOWED);
  const genOtherWindowed = graph.newProcessorName(NamePrefix.WINDOWED);
  const thisPrefix = rightOuter ? NamePrefix.OUTERTHIS : NamePrefix.JOINTHIS;
  const genThis = graph.newProcessorName(thisPrefix);
  const genOther = graph.newProcessorName(leftOuter ? NamePrefix.OUTEROTHER : NamePrefix.JOINOTHER);
  const genMerge = graph.newProcessorName(NamePrefix.MERGE);
  const thisWindowed = base ? `${base}-this-windowed` : genThisWindowed;
  const otherWindowed = base ? `${base}-other-windowed` : genOtherWindowed;
  const thisName = base ? `${base}-${rightOuter ? 'outer-this' : 'this'}-join` : genThis;
  const otherName = base ? `${base}-${leftOuter ? 'outer-other' : 'other'}-join` : genOther;
  const mergeName = base ? `${base}-merge` : genMerge;
  const thisStore = `${genThis}-store`;
  const otherStore = `${genOther}-store`;
  graph.addStateStore(keyValueStoreBuilder(ctx, thisStore, {}, Serdes.Buffer(), valueSerde));
  graph.addStateStore(keyValueStoreBuilder(ctx, otherStore, {}, Serdes.Buffer(), otherSerde));

  // KSTREAM-OUTERSHARED-<the index of JOINTHIS / OUTERTHIS>-store, values encoded by the codec.
  const sharedStore = `${NamePrefix.OUTERSHARED}${genThis.slice(thisPrefix.length)}-store`;
  const codec = new LeftOrRightListCodec(sharedStore, valueSerde, otherSerde);
  const unmatched = (pending: LeftOrRightValue<V, VO>, key: K): VR =>
    pending.left ? joiner(pending.value, null, key) : joiner(null, pending.value, key);
  const sharedFor = <VThis>(pending: (value: VThis) => LeftOrRightValue<V, VO>) =>
    leftOuter ? { shared: { store: sharedStore, codec, pending, unmatched } } : {};
  if (leftOuter) {
    graph.addStateStore(keyValueStoreBuilder(ctx, sharedStore, {}, Serdes.Buffer(), Serdes.Buffer()));
  }

  graph.addProcessor(thisWindowed, streamJoinWindowProcessor<K, V>({ store: thisStore, keySerde, windows }), [
    options.thisNode,
  ]);
  graph.addProcessor(
    otherWindowed,
    streamJoinWindowProcessor<K, VO>({ store: otherStore, keySerde, windows }),
    [options.otherNode],
  );
  graph.addProcessor(
    thisName,
    streamJoinSideProcessor<K, V, VO, V, VO, VR>({
      leftSide: true,
      otherStore,
      keySerde,
      windows,
      joiner: (mine, theirs, key) => joiner(mine, theirs, key),
      outer: leftOuter,
      ...sharedFor((value: V) => ({ left: true, value })),
    }),
    [thisWindowed],
  );
  graph.addProcessor(
    otherName,
    streamJoinSideProcessor<K, VO, V, V, VO, VR>({
      leftSide: false,
      otherStore: thisStore,
      keySerde,
      windows,
      joiner: (mine, theirs, key) => joiner(theirs, mine, key),
      outer: rightOuter,
      ...sharedFor((value: VO) => ({ left: false, value })),
    }),
    [otherWindowed],
  );
  graph.connectProcessorAndStores(thisWindowed, [thisStore]);
  graph.connectProcessorAndStores(otherWindowed, [otherStore]);
  const shared = leftOuter ? [sharedStore] : [];
  graph.connectProcessorAndStores(thisName, [otherStore, ...shared]);
  graph.connectProcessorAndStores(otherName, [thisStore, ...shared]);
  graph.addProcessor(mergeName, passThroughProcessor<K, VR>(), [thisName, otherName]);
  return mergeName;
}
