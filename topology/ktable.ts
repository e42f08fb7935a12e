import { keyValueStoreBuilder, requireSerde, type DslContext } from './internals/dsl-context.ts';
import {
  derivedValueGetter,
  storeValueGetter,
  type KTableValueGetterSupplier,
} from './internals/ktable-value-getter.ts';
import {
  tableFilterProcessor,
  tableMapValuesProcessor,
  tableToStreamProcessor,
} from './internals/operators/ktable-processors.ts';
import { NamePrefix, nameOrGenerate } from './internals/repartition.ts';
import { passThroughProcessor } from './internals/operators/stateless.ts';
import {
  joinedValueGetter,
  joinValues,
  tableJoinSideProcessor,
  type TableJoinKind,
} from './internals/operators/ktable-ktable-join.ts';
import { KStream } from './kstream.ts';
import type { Change } from './internals/change.ts';
import type { Materialized, Named } from './options.ts';
import type { ProcessorSupplier } from './processor.ts';
import type { Serde } from '../engine-common/serde.ts';

/**
 * A changelog stream seen as a table: the latest value per key (Kafka Streams' `KTable`). Internally
 * its records carry the new and old value of a key; `toStream()` emits the new values, with null for
 * deletions.
 */
export class KTable<K, V> {
  /** @internal */ readonly ctx: DslContext;
  /** @internal */ readonly nodeName: string;
  /** @internal */ readonly keySerde: Serde<K> | undefined;
  /** @internal */ readonly valueSerde: Serde<V> | undefined;
  /** @internal Reads the table's current value by key (joins use it). */
  readonly valueGetterSupplier: KTableValueGetterSupplier<K, V>;
  private readonly storeName: string | null;

  /** @internal Use StreamsBuilder.table() or an aggregation. */
  constructor(
    ctx: DslContext,
    nodeName: string,
    keySerde: Serde<K> | undefined,
    valueSerde: Serde<V> | undefined,
    storeName: string | null,
    valueGetterSupplier: KTableValueGetterSupplier<K, V>,
  ) {
    this.ctx = ctx;
    this.nodeName = nodeName;
    this.keySerde = keySerde;
    this.valueSerde = valueSerde;
    this.storeName = storeName;
    this.valueGetterSupplier = valueGetterSupplier;
  }

  /** The store holding this table, or null when it is computed on the fly from its parent. */
  queryableStoreName(): string | null {
    return this.storeName;
  }

  /** Rows for which `predicate` is true; a row that stops matching is deleted downstream. */
  filter(
    predicate: (key: K, value: V) => boolean,
    materialized?: Materialized<K, V>,
    named?: Named,
  ): KTable<K, V> {
    return this.transform<V>(
      NamePrefix.KTABLE_FILTER,
      materialized,
      named,
      this.valueSerde,
      (storeName) => tableFilterProcessor<K, V>(predicate, false, storeName),
      (key, value) => (predicate(key, value) ? value : null),
    );
  }

  filterNot(
    predicate: (key: K, value: V) => boolean,
    materialized?: Materialized<K, V>,
    named?: Named,
  ): KTable<K, V> {
    return this.transform<V>(
      NamePrefix.KTABLE_FILTER,
      materialized,
      named,
      this.valueSerde,
      (storeName) => tableFilterProcessor<K, V>(predicate, true, storeName),
      (key, value) => (predicate(key, value) ? null : value),
    );
  }

  mapValues<VR>(
    mapper: (value: V, key: K) => VR,
    materialized?: Materialized<K, VR>,
    named?: Named,
  ): KTable<K, VR> {
    return this.transform<VR>(
      NamePrefix.KTABLE_MAPVALUES,
      materialized,
      named,
      undefined,
      (storeName) => tableMapValuesProcessor<K, V, VR>(mapper, storeName),
      (key, value) => mapper(value, key),
    );
  }

  /** Table–table inner join on the key: a row exists while both sides have one. */
  join<VO, VR>(other: KTable<K, VO>, joiner: (value: V, otherValue: VO) => VR, named?: Named): KTable<K, VR> {
    return this.joinTable(other, 'inner', (l, r) => joiner(l as V, r as VO), named);
  }

  /** Left join: a row exists while this side has one; the other value may be null. */
  leftJoin<VO, VR>(
    other: KTable<K, VO>,
    joiner: (value: V, otherValue: VO | null) => VR,
    named?: Named,
  ): KTable<K, VR> {
    return this.joinTable(other, 'left', (l, r) => joiner(l as V, r), named);
  }

  /** Outer join: a row exists while either side has one. */
  outerJoin<VO, VR>(
    other: KTable<K, VO>,
    joiner: (value: V | null, otherValue: VO | null) => VR,
    named?: Named,
  ): KTable<K, VR> {
    return this.joinTable(other, 'outer', joiner, named);
  }

  /**
   * Kafka Streams' KTable-KTable join: a JOINTHIS processor under this table (looks up the other),
   * a JOINOTHER under the other (looks up this one), merged into the result. Each side reads the
   * other's store, so both tables land in one sub-topology and must be co-partitioned.
   */
  private joinTable<VO, VR>(
    other: KTable<K, VO>,
    kind: TableJoinKind,
    joiner: (value: V | null, otherValue: VO | null) => VR,
    named: Named | undefined,
  ): KTable<K, VR> {
    const base = named?.name;
    // Kafka Streams (KTableImpl.doJoin) names the merge first, then JOINTHIS and JOINOTHER.
    const mergeName = base ?? this.ctx.graph.newProcessorName(NamePrefix.KTABLE_MERGE);
    const thisName = base ? `${base}-join-this` : this.ctx.graph.newProcessorName(NamePrefix.KTABLE_JOINTHIS);
    const otherName = base
      ? `${base}-join-other`
      : this.ctx.graph.newProcessorName(NamePrefix.KTABLE_JOINOTHER);
    const combine = (l: V | null, r: VO | null) => joinValues(kind, joiner, l, r);
    this.ctx.graph.addProcessor(
      thisName,
      tableJoinSideProcessor<K, V, VO, VR>(other.valueGetterSupplier, combine),
      [this.nodeName],
    );
    this.ctx.graph.addProcessor(
      otherName,
      tableJoinSideProcessor<K, VO, V, VR>(this.valueGetterSupplier, (mine, theirs) => combine(theirs, mine)),
      [other.nodeName],
    );
    this.ctx.graph.connectProcessorAndStores(thisName, [...other.valueGetterSupplier.storeNames]);
    this.ctx.graph.connectProcessorAndStores(otherName, [...this.valueGetterSupplier.storeNames]);
    this.ctx.graph.addProcessor(mergeName, passThroughProcessor<K, Change<VR>>(), [thisName, otherName]);
    return new KTable<K, VR>(
      this.ctx,
      mergeName,
      this.keySerde,
      undefined,
      null,
      joinedValueGetter(this.valueGetterSupplier, other.valueGetterSupplier, combine),
    );
  }

  /** The table's updates as a stream; a deleted row becomes a record with a null value. */
  toStream(named?: Named): KStream<K, V | null> {
    const name = nameOrGenerate(this.ctx, named?.name, NamePrefix.KTABLE_TOSTREAM);
    this.ctx.graph.addProcessor(name, tableToStreamProcessor<K, V>(), [this.nodeName]);
    return new KStream<K, V | null>(this.ctx, name, this.keySerde, this.valueSerde, false);
  }

  private transform<VR>(
    prefix: string,
    materialized: Materialized<K, VR> | undefined,
    named: Named | undefined,
    defaultValueSerde: Serde<VR> | undefined,
    makeProcessor: (storeName: string | null) => ProcessorSupplier<K, Change<V>, K, Change<VR>>,
    apply: (key: K, value: V) => VR | null,
  ): KTable<K, VR> {
    // Kafka Streams names the store before the processor, so the indexes come out in this order.
    const storeName = materialized ? (materialized.storeName ?? this.ctx.graph.newStoreName(prefix)) : null;
    const name = nameOrGenerate(this.ctx, named?.name, prefix);
    this.ctx.graph.addProcessor(name, makeProcessor(storeName), [this.nodeName]);
    const keySerde = materialized?.keySerde ?? this.keySerde;
    const valueSerde = materialized?.valueSerde ?? defaultValueSerde;
    if (materialized && storeName !== null) {
      const builder = keyValueStoreBuilder(
        this.ctx,
        storeName,
        materialized,
        requireSerde(keySerde, `${name} store ${storeName} key`),
        requireSerde(valueSerde, `${name} store ${storeName} value`),
      );
      this.ctx.graph.addStateStore(builder);
      this.ctx.graph.connectProcessorAndStores(name, [storeName]);
    }
    const getter =
      storeName !== null
        ? storeValueGetter<K, VR>(storeName)
        : derivedValueGetter<K, V, VR>(this.valueGetterSupplier, apply);
    return new KTable<K, VR>(this.ctx, name, keySerde, valueSerde, storeName, getter);
  }
}
