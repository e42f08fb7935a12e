import type { KeyValue } from '../state-stores/state-store.ts';
import { BranchedKStream } from './branched-kstream.ts';
import { TopologyError } from '../engine-common/errors.ts';
import { requireSerde, type DslContext } from './internals/dsl-context.ts';
import {
  filterProcessor,
  flatMapProcessor,
  flatMapValuesProcessor,
  mapProcessor,
  mapValuesProcessor,
  passThroughProcessor,
  peekProcessor,
  selectKeyProcessor,
} from './internals/operators/stateless.ts';
import { addRepartition, NamePrefix, nameOrGenerate } from './internals/repartition.ts';
import { KGroupedStream } from './kgrouped-stream.ts';
import { addStreamStreamJoin } from './internals/stream-stream-join.ts';
import type { JoinWindows } from './windows.ts';
import type { KTable } from './ktable.ts';
import {
  streamGlobalTableJoinProcessor,
  streamTableJoinProcessor,
} from './internals/operators/kstream-ktable-join.ts';
import { GlobalKTable } from './global-ktable.ts';
import type { Grouped, Named, Produced, Repartitioned, StreamJoined, TopicNameExtractor } from './options.ts';
import type { ProcessorSupplier } from './processor.ts';
import type { Serde } from '../engine-common/serde.ts';

/**
 * An unbounded stream of key-value records: Kafka Streams' `KStream`. Every operator adds a node to
 * the topology and returns a new stream; types follow the chain (`mapValues` changes V, `selectKey`
 * changes K). Serdes travel with the stream while they still describe it; after a key or value
 * change they are forgotten and must be given where bytes are needed (`to`, `repartition`,
 * `groupBy`).
 *
 * ```ts
 * builder.stream('orders', { keySerde: Serdes.String(), valueSerde: orderSerde })
 *   .filter((_id, order) => order.items.length > 0)
 *   .mapValues((order) => order.total)
 *   .to('order-totals', { valueSerde: Serdes.Long() });
 * ```
 */
export class KStream<K, V> {
  /** @internal */ readonly ctx: DslContext;
  /** @internal The node whose output this stream is. */ readonly nodeName: string;
  /** @internal */ readonly keySerde: Serde<K> | undefined;
  /** @internal */ readonly valueSerde: Serde<V> | undefined;
  /** @internal True after a key change: grouping or joining must repartition first. */
  readonly repartitionRequired: boolean;

  /** @internal Use StreamsBuilder.stream(). */
  constructor(
    ctx: DslContext,
    nodeName: string,
    keySerde: Serde<K> | undefined,
    valueSerde: Serde<V> | undefined,
    repartitionRequired: boolean,
  ) {
    this.ctx = ctx;
    this.nodeName = nodeName;
    this.keySerde = keySerde;
    this.valueSerde = valueSerde;
    this.repartitionRequired = repartitionRequired;
  }

  /** Keeps records for which `predicate` is true. */
  filter(predicate: (key: K, value: V) => boolean, named?: Named): KStream<K, V> {
    return this.then(
      NamePrefix.FILTER,
      named,
      filterProcessor(predicate, false),
      this.keySerde,
      this.valueSerde,
      false,
    );
  }

  /** Drops records for which `predicate` is true. */
  filterNot(predicate: (key: K, value: V) => boolean, named?: Named): KStream<K, V> {
    return this.then(
      NamePrefix.FILTER,
      named,
      filterProcessor(predicate, true),
      this.keySerde,
      this.valueSerde,
      false,
    );
  }

  /** New key and value per record; marks the stream for repartitioning. */
  map<KR, VR>(mapper: (key: K, value: V) => KeyValue<KR, VR>, named?: Named): KStream<KR, VR> {
    return this.then<KR, VR>(NamePrefix.MAP, named, mapProcessor(mapper), undefined, undefined, true);
  }

  /** New value per record, same key: no repartitioning needed. */
  mapValues<VR>(mapper: (value: V, key: K) => VR, named?: Named): KStream<K, VR> {
    return this.then<K, VR>(
      NamePrefix.MAPVALUES,
      named,
      mapValuesProcessor(mapper),
      this.keySerde,
      undefined,
      false,
    );
  }

  /** Zero or more records per record; marks the stream for repartitioning. */
  flatMap<KR, VR>(mapper: (key: K, value: V) => Iterable<KeyValue<KR, VR>>, named?: Named): KStream<KR, VR> {
    return this.then<KR, VR>(NamePrefix.FLATMAP, named, flatMapProcessor(mapper), undefined, undefined, true);
  }

  /** Zero or more values per record, same key. */
  flatMapValues<VR>(mapper: (value: V, key: K) => Iterable<VR>, named?: Named): KStream<K, VR> {
    return this.then<K, VR>(
      NamePrefix.FLATMAPVALUES,
      named,
      flatMapValuesProcessor(mapper),
      this.keySerde,
      undefined,
      false,
    );
  }

  /** New key per record; marks the stream for repartitioning. */
  selectKey<KR>(mapper: (key: K, value: V) => KR, named?: Named): KStream<KR, V> {
    return this.then<KR, V>(
      NamePrefix.KEY_SELECT,
      named,
      selectKeyProcessor(mapper),
      undefined,
      this.valueSerde,
      true,
    );
  }

  /** Runs `action` on each record and passes it on unchanged. */
  peek(action: (key: K, value: V) => void, named?: Named): KStream<K, V> {
    return this.then(
      NamePrefix.PEEK,
      named,
      peekProcessor(action, true),
      this.keySerde,
      this.valueSerde,
      this.repartitionRequired,
    );
  }

  /** Runs `action` on each record; terminal. */
  foreach(action: (key: K, value: V) => void, named?: Named): void {
    this.then(NamePrefix.FOREACH, named, peekProcessor(action, false), undefined, undefined, false);
  }

  /**
   * Splits the stream by predicates; each record goes to the first matching branch.
   * `named.name` prefixes the branch names.
   *
   * ```ts
   * const branches = stream.split({ name: 'orders-' })
   *   .branch((_k, o) => o.express, { name: 'express' })
   *   .defaultBranch({ name: 'standard' });
   * branches.get('orders-express')?.to('express-orders');
   * ```
   */
  split(named?: Named): BranchedKStream<K, V> {
    return new BranchedKStream(this, nameOrGenerate(this.ctx, named?.name, NamePrefix.BRANCH));
  }

  /** Both streams' records, in arrival order. */
  merge(other: KStream<K, V>, named?: Named): KStream<K, V> {
    if (other.ctx !== this.ctx) throw new TopologyError('Cannot merge streams of different StreamsBuilders');
    const name = nameOrGenerate(this.ctx, named?.name, NamePrefix.MERGE);
    this.ctx.graph.addProcessor(name, passThroughProcessor<K, V>(), [this.nodeName, other.nodeName]);
    const same = <T>(a: Serde<T> | undefined, b: Serde<T> | undefined): Serde<T> | undefined =>
      a === b ? a : undefined;
    return new KStream(
      this.ctx,
      name,
      same(this.keySerde, other.keySerde),
      same(this.valueSerde, other.valueSerde),
      this.repartitionRequired || other.repartitionRequired,
    );
  }

  /**
   * Runs a custom processor (Processor API) with access to `storeNames` (added with
   * StreamsBuilder.addStateStore). Its forwarded records form the returned stream, which is marked
   * for repartitioning since the processor may change keys.
   *
   * `process(supplier, 'store-a')` or `process(supplier, { name: 'my-processor' }, 'store-a')`.
   */
  process<KOut, VOut>(
    supplier: ProcessorSupplier<K, V, KOut, VOut>,
    ...storeNames: string[]
  ): KStream<KOut, VOut>;
  process<KOut, VOut>(
    supplier: ProcessorSupplier<K, V, KOut, VOut>,
    named: Named,
    ...storeNames: string[]
  ): KStream<KOut, VOut>;
  process<KOut, VOut>(
    supplier: ProcessorSupplier<K, V, KOut, VOut>,
    ...rest: (string | Named)[]
  ): KStream<KOut, VOut> {
    const named = typeof rest[0] === 'object' ? (rest.shift() as Named) : undefined;
    const stores = rest as string[];
    const stream = this.then<KOut, VOut>(NamePrefix.PROCESSOR, named, supplier, undefined, undefined, true);
    this.ctx.graph.connectProcessorAndStores(stream.nodeName, stores);
    return stream;
  }

  /**
   * Stream–table join: each record is joined with the table's current value for its key (records
   * whose key has no table value are dropped). Stream and table must be co-partitioned: a stream
   * whose key changed is repartitioned first.
   */
  join<VT, VR>(
    table: KTable<K, VT>,
    joiner: (value: V, tableValue: VT, key: K) => VR,
    named?: Named,
  ): KStream<K, VR>;
  /**
   * Stream–stream windowed join: records of both streams with the same key whose timestamps are
   * within `windows` of each other. Both sides are buffered in changelogged stores.
   */
  join<VO, VR>(
    other: KStream<K, VO>,
    joiner: (value: V, otherValue: VO, key: K) => VR,
    windows: JoinWindows,
    joined?: StreamJoined<K, V, VO>,
  ): KStream<K, VR>;
  /** Stream–globalTable join: the lookup key is `keySelector(key, value)`; no repartitioning needed. */
  join<GK, GV, VR>(
    globalTable: GlobalKTable<GK, GV>,
    keySelector: (key: K, value: V) => GK,
    joiner: (value: V, globalValue: GV) => VR,
    named?: Named,
  ): KStream<K, VR>;
  join<VO, VR>(
    other: KTable<K, VO> | KStream<K, VO> | GlobalKTable<unknown, VO>,
    joiner: ((value: V, otherValue: VO, key: K) => VR) | ((key: K, value: V) => unknown),
    windowsOrNamed?: JoinWindows | Named | ((value: V, otherValue: VO) => VR),
    joined: StreamJoined<K, V, VO> | Named = {},
  ): KStream<K, VR> {
    if (other instanceof GlobalKTable) {
      const join = windowsOrNamed as (value: V, globalValue: VO) => VR;
      return this.joinGlobal(
        other,
        joiner as (key: K, value: V) => unknown,
        (v, g) => join(v, g as VO),
        false,
        joined as Named,
      );
    }
    return this.joinOther(
      other,
      joiner as (value: V, otherValue: VO, key: K) => VR,
      windowsOrNamed as JoinWindows | Named,
      joined as StreamJoined<K, V, VO>,
    );
  }

  private joinOther<VO, VR>(
    other: KTable<K, VO> | KStream<K, VO>,
    joiner: (value: V, otherValue: VO, key: K) => VR,
    windowsOrNamed: JoinWindows | Named | undefined,
    joined: StreamJoined<K, V, VO>,
  ): KStream<K, VR> {
    if (other instanceof KStream) {
      // An inner join calls the joiner with both values only.
      return this.joinStream(
        other,
        (v, o, k) => joiner(v as V, o as VO, k),
        windowsOrNamed as JoinWindows,
        joined,
        'inner',
      );
    }
    return this.joinTable(
      other,
      (value, tableValue, key) => joiner(value, tableValue as VO, key),
      false,
      windowsOrNamed as Named | undefined,
    );
  }

  /** Like `join`, but records with no table value are kept and the joiner gets null. */
  leftJoin<VT, VR>(
    table: KTable<K, VT>,
    joiner: (value: V, tableValue: VT | null, key: K) => VR,
    named?: Named,
  ): KStream<K, VR>;
  /**
   * Windowed left join (Kafka Streams ≥ 3.1): a left record that matched nothing when its window
   * closes is emitted once with null for the other side (see `outerJoin`).
   */
  leftJoin<VO, VR>(
    other: KStream<K, VO>,
    joiner: (value: V, otherValue: VO | null, key: K) => VR,
    windows: JoinWindows,
    joined?: StreamJoined<K, V, VO>,
  ): KStream<K, VR>;
  /** Stream–globalTable left join: records with no global value are kept, the joiner gets null. */
  leftJoin<GK, GV, VR>(
    globalTable: GlobalKTable<GK, GV>,
    keySelector: (key: K, value: V) => GK,
    joiner: (value: V, globalValue: GV | null) => VR,
    named?: Named,
  ): KStream<K, VR>;
  leftJoin<VO, VR>(
    other: KTable<K, VO> | KStream<K, VO> | GlobalKTable<unknown, VO>,
    joiner: ((value: V, otherValue: VO | null, key: K) => VR) | ((key: K, value: V) => unknown),
    windowsOrNamed?: JoinWindows | Named | ((value: V, otherValue: VO | null) => VR),
    joined: StreamJoined<K, V, VO> | Named = {},
  ): KStream<K, VR> {
    if (other instanceof GlobalKTable) {
      const join = windowsOrNamed as (value: V, globalValue: VO | null) => VR;
      return this.joinGlobal(other, joiner as (key: K, value: V) => unknown, join, true, joined as Named);
    }
    const valueJoiner = joiner as (value: V, otherValue: VO | null, key: K) => VR;
    if (other instanceof KStream) {
      // A left join never calls the joiner without this stream's value.
      return this.joinStream(
        other,
        (v, o, k) => valueJoiner(v as V, o, k),
        windowsOrNamed as JoinWindows,
        joined as StreamJoined<K, V, VO>,
        'left',
      );
    }
    return this.joinTable(other, valueJoiner, true, windowsOrNamed as Named | undefined);
  }

  /**
   * Windowed outer join (Kafka Streams ≥ 3.1): records of either stream within the time
   * difference of each other are joined as by `join`; a record of either side that matched
   * nothing when its window closes (timestamp + difference + grace < stream time) is emitted once,
   * with its own timestamp and null for the other side, oldest first. Until then it waits in a
   * shared store (KSTREAM-OUTERSHARED-…); a later match removes it, so no (value, null) is emitted
   * before a real result.
   */
  outerJoin<VO, VR>(
    other: KStream<K, VO>,
    joiner: (value: V | null, otherValue: VO | null, key: K) => VR,
    windows: JoinWindows,
    joined: StreamJoined<K, V, VO> = {},
  ): KStream<K, VR> {
    return this.joinStream(other, joiner, windows, joined, 'outer');
  }

  private joinGlobal<GK, GV, VR>(
    table: GlobalKTable<GK, GV>,
    keySelector: (key: K, value: V) => GK,
    joiner: (value: V, globalValue: GV | null) => VR,
    left: boolean,
    named: Named | undefined,
  ): KStream<K, VR> {
    // Global stores are readable by every processor: no store connection, no co-partitioning.
    return this.then<K, VR>(
      left ? NamePrefix.LEFTJOIN : NamePrefix.JOIN,
      named && 'name' in named ? named : undefined,
      streamGlobalTableJoinProcessor(table.valueGetterSupplier, keySelector, joiner, left),
      this.keySerde,
      undefined,
      false,
    );
  }

  /**
   * Kafka Streams' stream-stream join: repartitions a side whose key changed, then adds the join
   * (see addStreamStreamJoin). Like Kafka Streams, the result keeps the key serde only.
   */
  private joinStream<VO, VR>(
    other: KStream<K, VO>,
    joiner: (value: V | null, otherValue: VO | null, key: K) => VR,
    windows: JoinWindows,
    joined: StreamJoined<K, V, VO>,
    mode: 'inner' | 'left' | 'outer',
  ): KStream<K, VR> {
    const keySerde = requireSerde(
      joined.keySerde ?? this.keySerde ?? other.keySerde,
      'stream-stream join key (pass StreamJoined.keySerde)',
    );
    const valueSerde = requireSerde(
      joined.valueSerde ?? this.valueSerde,
      'stream-stream join value (pass StreamJoined.valueSerde)',
    );
    const otherSerde = requireSerde(
      joined.otherValueSerde ?? other.valueSerde,
      'stream-stream join other value (pass StreamJoined.otherValueSerde)',
    );
    // As Kafka Streams: each side's repartition is named after the join (`<name>-left` / `-right`)
    // or else after that side's node: `<KSTREAM-KEY-SELECT-…>-repartition`.
    const me = this.repartitionRequired
      ? this.repartitionForJoin(joined.name ? `${joined.name}-left` : this.nodeName, keySerde, valueSerde)
      : this;
    const them = other.repartitionRequired
      ? other.repartitionForJoin(joined.name ? `${joined.name}-right` : other.nodeName, keySerde, otherSerde)
      : other;
    const mergeName = addStreamStreamJoin<K, V, VO, VR>(this.ctx, {
      thisNode: me.nodeName,
      otherNode: them.nodeName,
      keySerde,
      valueSerde,
      otherSerde,
      windows,
      name: joined.name,
      mode,
      joiner,
    });
    return new KStream<K, VR>(this.ctx, mergeName, keySerde, undefined, false);
  }

  private joinTable<VT, VR>(
    table: KTable<K, VT>,
    joiner: (value: V, tableValue: VT | null, key: K) => VR,
    left: boolean,
    named: Named | undefined,
  ): KStream<K, VR> {
    // As Kafka Streams does, the repartition before a join borrows the table's key serde when the
    // stream no longer knows its own, and is named after the join (Named) or else after this
    // stream's node: `<KSTREAM-KEY-SELECT-…>-repartition`.
    const source: KStream<K, V> = this.repartitionRequired
      ? this.repartitionForJoin(
          named?.name ?? this.nodeName,
          this.keySerde ?? table.keySerde,
          this.valueSerde,
        )
      : this;
    const joined = source.then<K, VR>(
      left ? NamePrefix.LEFTJOIN : NamePrefix.JOIN,
      named,
      streamTableJoinProcessor(table.valueGetterSupplier, joiner, left),
      source.keySerde,
      undefined,
      false,
    );
    // Reading the table's store puts the join in the table's sub-topology: co-partitioning is enforced.
    this.ctx.graph.connectProcessorAndStores(joined.nodeName, [...table.valueGetterSupplier.storeNames]);
    return joined;
  }

  /** Kafka Streams' `repartitionForJoin`: the topic is `<name>-repartition`, with no node named after it. */
  private repartitionForJoin(name: string, keySerde: Serde<K> | undefined, valueSerde: Serde<V> | undefined) {
    const { sourceName } = addRepartition(this.ctx, {
      prefix: name,
      parent: this.nodeName,
      keySerde: requireSerde(keySerde, `repartition before join (${name}) key`),
      valueSerde: requireSerde(valueSerde, `repartition before join (${name}) value`),
      partitions: null,
    });
    return new KStream<K, V>(this.ctx, sourceName, keySerde, valueSerde, false);
  }

  /**
   * Writes the stream through a repartition topic `<application.id>-<name>-repartition`, partitioned
   * by the current key; downstream operators run in a new sub-topology.
   */
  repartition(repartitioned: Repartitioned<K, V> = {}): KStream<K, V> {
    const prefix = repartitioned.name ?? this.ctx.graph.newProcessorName(NamePrefix.REPARTITION);
    const keySerde = requireSerde(repartitioned.keySerde ?? this.keySerde, `repartition(${prefix}) key`);
    const valueSerde = requireSerde(
      repartitioned.valueSerde ?? this.valueSerde,
      `repartition(${prefix}) value`,
    );
    const { sourceName } = addRepartition(this.ctx, {
      prefix,
      parent: this.nodeName,
      keySerde,
      valueSerde,
      partitions: repartitioned.partitions ?? null,
    });
    return new KStream(this.ctx, sourceName, keySerde, valueSerde, false);
  }

  /** Writes to a topic, or to the topic `extractor` picks per record. */
  to(topic: string | TopicNameExtractor<K, V>, produced: Produced<K, V> = {}): void {
    const name = nameOrGenerate(this.ctx, produced.name, NamePrefix.SINK);
    const where = typeof topic === 'string' ? topic : 'a TopicNameExtractor';
    this.ctx.graph.addSink({
      name,
      topic: topic as string | TopicNameExtractor<unknown, unknown>,
      keySerde: requireSerde(produced.keySerde ?? this.keySerde, `to(${where}) key`) as Serde<unknown>,
      valueSerde: requireSerde(
        produced.valueSerde ?? this.valueSerde,
        `to(${where}) value`,
      ) as Serde<unknown>,
      predecessors: [this.nodeName],
    });
  }

  /** Groups by the current key; repartitions first if the key was changed upstream. */
  groupByKey(grouped: Grouped<K, V> = {}): KGroupedStream<K, V> {
    return new KGroupedStream<K, V>(
      this.ctx,
      this.nodeName,
      grouped.keySerde ?? this.keySerde,
      grouped.valueSerde ?? this.valueSerde,
      grouped.name,
      this.repartitionRequired,
    );
  }

  /** Groups by a new key; always repartitions (through `<name or store>-repartition`). */
  groupBy<KR>(selector: (key: K, value: V) => KR, grouped: Grouped<KR, V> = {}): KGroupedStream<KR, V> {
    const name = nameOrGenerate(this.ctx, grouped.name, NamePrefix.KEY_SELECT);
    this.ctx.graph.addProcessor(name, selectKeyProcessor(selector), [this.nodeName]);
    return new KGroupedStream<KR, V>(
      this.ctx,
      name,
      grouped.keySerde,
      grouped.valueSerde ?? this.valueSerde,
      grouped.name,
      true,
    );
  }

  private then<KR, VR>(
    prefix: string,
    named: Named | undefined,
    supplier: ProcessorSupplier<K, V, KR, VR>,
    keySerde: Serde<KR> | undefined,
    valueSerde: Serde<VR> | undefined,
    repartitionRequired: boolean,
  ): KStream<KR, VR> {
    const name = nameOrGenerate(this.ctx, named?.name, prefix);
    this.ctx.graph.addProcessor(name, supplier, [this.nodeName]);
    return new KStream<KR, VR>(
      this.ctx,
      name,
      keySerde,
      valueSerde,
      repartitionRequired || this.repartitionRequired,
    );
  }
}
