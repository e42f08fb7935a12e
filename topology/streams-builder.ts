import type { KeyValueStore, StoreBuilder } from '../state-stores/state-store.ts';
import type { DslStoreSuppliers, DslStoreType } from './dsl-store-suppliers.ts';
import { GlobalKTable } from './global-ktable.ts';
import { keyValueStoreBuilder, type DslContext } from './internals/dsl-context.ts';
import { GraphBuilder } from './internals/graph-builder.ts';
import { storeValueGetter } from './internals/ktable-value-getter.ts';
import { tableSourceProcessor } from './internals/operators/ktable-processors.ts';
import { NamePrefix, nameOrGenerate } from './internals/repartition.ts';
import { KStream } from './kstream.ts';
import { KTable } from './ktable.ts';
import type { Consumed, Materialized } from './options.ts';
import { Serdes, type Serde } from '../engine-common/serde.ts';
import { Topology } from './topology.ts';
import { defaultDslStoreSuppliers } from './internals/default-dsl-store-suppliers.ts';

export interface StreamsBuilderConfig {
  /** Makes the stores of aggregations and tables; default: the built-in RocksDB / in-memory stores. */
  readonly dslStoreSuppliers?: DslStoreSuppliers;
  /** Store type when a Materialized does not choose one. Default `rocksDB`, as in Kafka Streams. */
  readonly defaultDslStore?: DslStoreType;
}

/**
 * Declares a topology with the DSL: Kafka Streams' `StreamsBuilder`.
 *
 * ```ts
 * const builder = new StreamsBuilder();
 * builder.stream('orders', { keySerde: Serdes.String(), valueSerde: Serdes.Json<Order>() })
 *   .groupBy((_id, order) => order.customerId, { keySerde: Serdes.String() })
 *   .count()
 *   .toStream()
 *   .to('orders-per-customer', { valueSerde: Serdes.Long() });
 * const topology = builder.build();
 * ```
 */
export class StreamsBuilder {
  private readonly ctx: DslContext;

  constructor(config: StreamsBuilderConfig = {}) {
    this.ctx = {
      graph: new GraphBuilder(),
      dslStoreSuppliers: config.dslStoreSuppliers ?? defaultDslStoreSuppliers(),
      defaultDslStore: config.defaultDslStore ?? 'rocksDB',
    };
  }

  /** A stream of one or more topics. Without serdes, keys and values are the raw Buffers. */
  stream<K = Buffer, V = Buffer>(
    topics: string | readonly string[],
    consumed: Consumed<K, V> = {},
  ): KStream<K, V> {
    const name = nameOrGenerate(this.ctx, consumed.name, NamePrefix.SOURCE);
    this.ctx.graph.addSource({
      name,
      topics: typeof topics === 'string' ? [topics] : topics,
      keySerde: consumed.keySerde as Serde<unknown> | undefined,
      valueSerde: consumed.valueSerde as Serde<unknown> | undefined,
      timestampExtractor: consumed.timestampExtractor as Consumed<unknown, unknown>['timestampExtractor'],
    });
    return new KStream<K, V>(this.ctx, name, this.keySerdeOf(consumed), this.valueSerdeOf(consumed), false);
  }

  /**
   * A table of a topic: each record upserts its key (a null value deletes it). Always materialized,
   * in `materialized.storeName` or `<topic>-STATE-STORE-<index>`, with a changelog unless disabled.
   */
  table<K = Buffer, V = Buffer>(
    topic: string,
    consumed: Consumed<K, V> = {},
    materialized: Materialized<K, V> = {},
  ): KTable<K, V> {
    const storeName = materialized.storeName ?? this.ctx.graph.newStoreName(`${topic}-`);
    const sourceName = nameOrGenerate(this.ctx, consumed.name, NamePrefix.SOURCE);
    const tableName =
      consumed.name !== undefined
        ? `${consumed.name}-table-source`
        : this.ctx.graph.newProcessorName(NamePrefix.KTABLE_SOURCE);
    const keySerde = materialized.keySerde ?? this.keySerdeOf(consumed);
    const valueSerde = materialized.valueSerde ?? this.valueSerdeOf(consumed);
    this.ctx.graph.addSource({
      name: sourceName,
      topics: [topic],
      keySerde: consumed.keySerde as Serde<unknown> | undefined,
      valueSerde: consumed.valueSerde as Serde<unknown> | undefined,
      timestampExtractor: consumed.timestampExtractor as Consumed<unknown, unknown>['timestampExtractor'],
    });
    this.ctx.graph.addProcessor(tableName, tableSourceProcessor<K, V>(storeName), [sourceName]);
    this.ctx.graph.addStateStore(
      keyValueStoreBuilder(this.ctx, storeName, materialized, keySerde, valueSerde),
    );
    this.ctx.graph.connectProcessorAndStores(tableName, [storeName]);
    return new KTable<K, V>(
      this.ctx,
      tableName,
      keySerde,
      valueSerde,
      storeName,
      storeValueGetter<K, V>(storeName),
    );
  }

  /**
   * A table replicated on every instance from all partitions of `topic`. Its store has no changelog
   * (the topic is its changelog) and is readable by name from any processor.
   */
  globalTable<K = Buffer, V = Buffer>(
    topic: string,
    consumed: Consumed<K, V> = {},
    materialized: Materialized<K, V> = {},
  ): GlobalKTable<K, V> {
    const storeName = materialized.storeName ?? this.ctx.graph.newStoreName(`${topic}-`);
    const sourceName =
      consumed.name !== undefined
        ? `${consumed.name}-table-source`
        : this.ctx.graph.newProcessorName(NamePrefix.SOURCE);
    const processorName = nameOrGenerate(this.ctx, consumed.name, NamePrefix.KTABLE_SOURCE);
    const keySerde = materialized.keySerde ?? this.keySerdeOf(consumed);
    const valueSerde = materialized.valueSerde ?? this.valueSerdeOf(consumed);
    this.ctx.graph.addSource({
      name: sourceName,
      topics: [topic],
      keySerde: consumed.keySerde as Serde<unknown> | undefined,
      valueSerde: consumed.valueSerde as Serde<unknown> | undefined,
      timestampExtractor: consumed.timestampExtractor as Consumed<unknown, unknown>['timestampExtractor'],
      global: true,
    });
    this.ctx.graph.addProcessor(processorName, tableSourceProcessor<K, V>(storeName), [sourceName]);
    const builder = keyValueStoreBuilder(
      this.ctx,
      storeName,
      { ...materialized, loggingEnabled: false },
      keySerde,
      valueSerde,
    );
    this.ctx.graph.addStateStore(builder, { global: true });
    this.ctx.graph.connectProcessorAndStores(processorName, [storeName], { global: true });
    return new GlobalKTable<K, V>(storeName, keySerde, valueSerde, storeValueGetter<K, V>(storeName));
  }

  /** Adds a store for custom processors; connect it by naming it in `KStream.process(supplier, name)`. */
  addStateStore<K, V>(storeBuilder: StoreBuilder<KeyValueStore<K, V>> | StoreBuilder): this {
    this.ctx.graph.addStateStore(storeBuilder);
    return this;
  }

  /** The topology declared so far. Internal topic names get the application id when it runs. */
  build(): Topology {
    return new Topology(this.ctx.graph);
  }

  private keySerdeOf<K, V>(consumed: Consumed<K, V>): Serde<K> {
    return consumed.keySerde ?? (Serdes.Buffer() as unknown as Serde<K>);
  }

  private valueSerdeOf<K, V>(consumed: Consumed<K, V>): Serde<V> {
    return consumed.valueSerde ?? (Serdes.Buffer() as unknown as Serde<V>);
  }
}
