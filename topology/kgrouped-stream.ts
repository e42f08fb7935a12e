import { keyValueStoreBuilder, requireSerde, type DslContext } from './internals/dsl-context.ts';
import { storeValueGetter, type KTableValueGetterSupplier } from './internals/ktable-value-getter.ts';
import type { StoreBuilder } from '../state-stores/state-store.ts';
import { aggregateProcessor, reduceProcessor } from './internals/operators/kstream-aggregate.ts';
import { addRepartition, NamePrefix, nameOrGenerate } from './internals/repartition.ts';
import type { Change } from './internals/change.ts';
import { KTable } from './ktable.ts';
import { TimeWindowedKStream } from './time-windowed-kstream.ts';
import { SessionWindows, type TimeWindows } from './windows.ts';
import { SessionWindowedKStream } from './session-windowed-kstream.ts';
import type { Materialized, Named } from './options.ts';
import type { ProcessorSupplier } from './processor.ts';
import { Serdes, type Serde } from '../engine-common/serde.ts';

/**
 * A stream grouped by key, ready to aggregate into a KTable: Kafka Streams' `KGroupedStream`.
 * When the key was changed upstream, the aggregation first goes through a repartition topic named
 * after the grouping (`Grouped.name`) or the store: `<name>-repartition`.
 *
 * Windowed aggregations plug in here as `windowedBy(...)` (a later addition).
 */
export class KGroupedStream<K, V> {
  /** @internal */ readonly ctx: DslContext;
  /** @internal */ readonly nodeName: string;
  /** @internal */ readonly keySerde: Serde<K> | undefined;
  /** @internal */ readonly valueSerde: Serde<V> | undefined;
  /** @internal */ readonly groupName: string | undefined;
  /** @internal */ readonly repartitionRequired: boolean;

  /** @internal Use KStream.groupByKey() / groupBy(). */
  constructor(
    ctx: DslContext,
    nodeName: string,
    keySerde: Serde<K> | undefined,
    valueSerde: Serde<V> | undefined,
    groupName: string | undefined,
    repartitionRequired: boolean,
  ) {
    this.ctx = ctx;
    this.nodeName = nodeName;
    this.keySerde = keySerde;
    this.valueSerde = valueSerde;
    this.groupName = groupName;
    this.repartitionRequired = repartitionRequired;
  }

  /** Records per key (null keys and values are skipped). The value serde defaults to `Serdes.Long()`. */
  count(materialized: Materialized<K, number> = {}, named?: Named): KTable<K, number> {
    return this.aggregateWith<number>(
      NamePrefix.AGGREGATE,
      materialized,
      named,
      materialized.valueSerde ?? Serdes.Long(),
      (store) =>
        aggregateProcessor<K, V, number>(
          store,
          () => 0,
          (_k, _v, count) => count + 1,
        ),
    );
  }

  /** Combines values of a key; the first value of a key is its initial aggregate. */
  reduce(
    reducer: (aggregate: V, value: V) => V,
    materialized: Materialized<K, V> = {},
    named?: Named,
  ): KTable<K, V> {
    return this.aggregateWith<V>(
      NamePrefix.REDUCE,
      materialized,
      named,
      materialized.valueSerde ?? this.valueSerde,
      (store) => reduceProcessor<K, V>(store, reducer),
    );
  }

  /**
   * Folds values of a key into an aggregate that starts as `initializer()`. The aggregate's serde
   * must be given (`materialized.valueSerde`): it is stored and changelogged.
   */
  aggregate<VA>(
    initializer: () => VA,
    aggregator: (key: K, value: V, aggregate: VA) => VA,
    materialized: Materialized<K, VA> = {},
    named?: Named,
  ): KTable<K, VA> {
    return this.aggregateWith<VA>(
      NamePrefix.AGGREGATE,
      materialized,
      named,
      materialized.valueSerde,
      (store) => aggregateProcessor<K, V, VA>(store, initializer, aggregator),
    );
  }

  /**
   * Groups records into time windows (tumbling, or hopping with `advanceBy`): aggregations then
   * produce a KTable keyed by `Windowed<K>`.
   */
  windowedBy(windows: TimeWindows): TimeWindowedKStream<K, V>;
  windowedBy(windows: SessionWindows): SessionWindowedKStream<K, V>;
  windowedBy(
    windows: TimeWindows | SessionWindows,
  ): TimeWindowedKStream<K, V> | SessionWindowedKStream<K, V> {
    return windows instanceof SessionWindows
      ? new SessionWindowedKStream(this, windows)
      : new TimeWindowedKStream(this, windows);
  }

  /** Names, repartitions and wires an aggregation exactly as Kafka Streams' GroupedStreamAggregateBuilder. */
  private aggregateWith<VA>(
    prefix: string,
    materialized: Materialized<K, VA>,
    named: Named | undefined,
    valueSerde: Serde<VA> | undefined,
    makeProcessor: (storeName: string) => ProcessorSupplier<K, V, K, Change<VA>>,
  ): KTable<K, VA> {
    return this.aggregateKeyedBy<K, VA>(
      prefix,
      materialized,
      named,
      (keySerde) => keySerde,
      valueSerde,
      makeProcessor,
    );
  }

  /**
   * @internal The general form: the table's key may differ from the stream's (windowed
   * aggregations key their table by `Windowed<K>`), with its serde derived from the key serde, and
   * the state may live in another kind of store (windowed aggregations use window and session
   * stores): `store` says which, and how the table reads it.
   */
  aggregateKeyedBy<KT, VA>(
    prefix: string,
    materialized: Materialized<K, VA>,
    named: Named | undefined,
    tableKeySerde: (keySerde: Serde<K>) => Serde<KT>,
    valueSerde: Serde<VA> | undefined,
    makeProcessor: (storeName: string, keySerde: Serde<K>) => ProcessorSupplier<K, V, KT, Change<VA>>,
    store: AggregationStore<K, KT, VA> = keyValueAggregationStore<K, KT, VA>(),
  ): KTable<KT, VA> {
    const storeName = materialized.storeName ?? this.ctx.graph.newStoreName(prefix);
    const name = nameOrGenerate(this.ctx, named?.name, prefix);
    const keySerde = requireSerde(
      materialized.keySerde ?? this.keySerde,
      `aggregation ${name} key (store ${storeName}; pass Grouped.keySerde or Materialized.keySerde)`,
    );
    const storeValueSerde = requireSerde(
      valueSerde,
      `aggregation ${name} value (store ${storeName}; pass Materialized.valueSerde)`,
    );

    let parent = this.nodeName;
    if (this.repartitionRequired) {
      parent = addRepartition(this.ctx, {
        prefix: this.groupName ?? storeName,
        parent: this.nodeName,
        keySerde: requireSerde(this.keySerde, `repartition before ${name}: key (pass Grouped.keySerde)`),
        valueSerde: requireSerde(
          this.valueSerde,
          `repartition before ${name}: value (pass Grouped.valueSerde)`,
        ),
        partitions: null,
      }).sourceName;
    }
    const storeKeySerde = tableKeySerde(keySerde);
    const builder = store.builder(this.ctx, {
      storeName,
      materialized,
      keySerde,
      tableKeySerde: storeKeySerde,
      valueSerde: storeValueSerde,
    });
    this.ctx.graph.addProcessor(name, makeProcessor(storeName, keySerde), [parent]);
    this.ctx.graph.addStateStore(builder);
    this.ctx.graph.connectProcessorAndStores(name, [storeName]);
    return new KTable<KT, VA>(
      this.ctx,
      name,
      storeKeySerde,
      storeValueSerde,
      storeName,
      store.getter(storeName),
    );
  }
}

/** @internal What an aggregation's store is made from. */
export interface AggregationStoreParams<K, KT, VA> {
  readonly storeName: string;
  readonly materialized: Materialized<K, VA>;
  /** The grouped stream's key serde. */
  readonly keySerde: Serde<K>;
  /** The table's key serde (the same, or a windowed one). */
  readonly tableKeySerde: Serde<KT>;
  readonly valueSerde: Serde<VA>;
}

/** @internal How an aggregation keeps its state: the store it adds, and how its table reads it. */
export interface AggregationStore<K, KT, VA> {
  builder(ctx: DslContext, params: AggregationStoreParams<K, KT, VA>): StoreBuilder;
  getter(storeName: string): KTableValueGetterSupplier<KT, VA>;
}

/** A key-value store keyed by the table's key: plain aggregations. */
function keyValueAggregationStore<K, KT, VA>(): AggregationStore<K, KT, VA> {
  return {
    builder: (ctx, p) =>
      keyValueStoreBuilder(
        ctx,
        p.storeName,
        p.materialized as unknown as Materialized<KT, VA>,
        p.tableKeySerde,
        p.valueSerde,
      ),
    getter: (storeName) => storeValueGetter<KT, VA>(storeName),
  };
}
