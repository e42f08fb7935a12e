import type { Change } from './internals/change.ts';
import { windowStoreBuilder } from './internals/dsl-context.ts';
import { windowAggregateProcessor } from './internals/operators/kstream-window-aggregate.ts';
import { valueAndTimestampSerde } from './internals/timestamped.ts';
import { windowStoreValueGetter } from './internals/windowed-value-getters.ts';
import { NamePrefix } from './internals/repartition.ts';
import type { KGroupedStream } from './kgrouped-stream.ts';
import type { KTable } from './ktable.ts';
import type { Materialized, Named } from './options.ts';
import type { ProcessorSupplier } from './processor.ts';
import { Serdes, type Serde } from '../engine-common/serde.ts';
import {
  EmitStrategy,
  WindowedSerdes,
  type EmitStrategyValue,
  type TimeWindows,
  type Windowed,
} from './windows.ts';

/**
 * A grouped stream cut into time windows: Kafka Streams' `TimeWindowedKStream`. Aggregations give a
 * KTable keyed by `Windowed<K>`, updated per record (default) or emitted once per window at close
 * (`emitStrategy(EmitStrategy.onWindowClose())`).
 */
export class TimeWindowedKStream<K, V> {
  private readonly grouped: KGroupedStream<K, V>;
  private readonly windows: TimeWindows;
  private emit: EmitStrategyValue = EmitStrategy.onWindowUpdate();

  /** @internal Use KGroupedStream.windowedBy(). */
  constructor(grouped: KGroupedStream<K, V>, windows: TimeWindows) {
    this.grouped = grouped;
    this.windows = windows;
  }

  emitStrategy(strategy: EmitStrategyValue): this {
    this.emit = strategy;
    return this;
  }

  count(materialized: Materialized<K, number> = {}, named?: Named): KTable<Windowed<K>, number> {
    return this.aggregateWith(
      NamePrefix.AGGREGATE,
      materialized,
      named,
      materialized.valueSerde ?? Serdes.Long(),
      () => 0,
      (_k, _v, count) => count + 1,
    );
  }

  reduce(
    reducer: (aggregate: V, value: V) => V,
    materialized: Materialized<K, V> = {},
    named?: Named,
  ): KTable<Windowed<K>, V> {
    // The first value of a window is its initial aggregate: seed with a marker the reducer never sees.
    const empty = Symbol('empty');
    return this.aggregateWith<V>(
      NamePrefix.REDUCE,
      materialized,
      named,
      materialized.valueSerde ?? this.grouped.valueSerde,
      () => empty as unknown as V,
      (_k, value, aggregate) => ((aggregate as unknown) === empty ? value : reducer(aggregate, value)),
    );
  }

  aggregate<VA>(
    initializer: () => VA,
    aggregator: (key: K, value: V, aggregate: VA) => VA,
    materialized: Materialized<K, VA> = {},
    named?: Named,
  ): KTable<Windowed<K>, VA> {
    return this.aggregateWith(
      NamePrefix.AGGREGATE,
      materialized,
      named,
      materialized.valueSerde,
      initializer,
      aggregator,
    );
  }

  private aggregateWith<VA>(
    prefix: string,
    materialized: Materialized<K, VA>,
    named: Named | undefined,
    valueSerde: Serde<VA> | undefined,
    initializer: () => VA,
    aggregator: (key: K, value: V, aggregate: VA) => VA,
  ): KTable<Windowed<K>, VA> {
    const windows = this.windows;
    const emit = this.emit;
    return this.grouped.aggregateKeyedBy<Windowed<K>, VA>(
      prefix,
      materialized,
      named,
      (keySerde) => WindowedSerdes.timeWindowedSerdeFrom(keySerde, windows.sizeMs),
      valueSerde,
      (storeName, keySerde): ProcessorSupplier<K, V, Windowed<K>, Change<VA>> =>
        windowAggregateProcessor<K, V, VA>({ storeName, keySerde, windows, emit, initializer, aggregator }),
      {
        // A window store keeping each aggregate with its latest timestamp (Kafka Streams' timestamped
        // window store) until the window closes (retention = size + grace). One segment per
        // advance: window starts are multiples of it, so the windows that close at a step are
        // exactly the segments that expire, and emit-on-close reads only those.
        builder: (ctx, p) =>
          windowStoreBuilder(
            ctx,
            p.storeName,
            p.materialized,
            p.keySerde,
            valueAndTimestampSerde(p.valueSerde),
            {
              retentionMs: windows.sizeMs + windows.graceMs,
              segmentIntervalMs: windows.advanceMs,
            },
          ),
        getter: (storeName) => windowStoreValueGetter<K, VA>(storeName),
      },
    );
  }
}
