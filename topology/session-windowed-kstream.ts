import {
  emitOnCloseSegmentIntervalMs,
  sessionAggregateProcessor,
} from './internals/operators/kstream-session-aggregate.ts';
import { sessionStoreKeySerde } from './internals/session-key-serde.ts';
import { sessionStoreBuilder } from './internals/dsl-context.ts';
import { NamePrefix } from './internals/repartition.ts';
import { sessionStoreValueGetter } from './internals/windowed-value-getters.ts';
import type { KGroupedStream } from './kgrouped-stream.ts';
import type { KTable } from './ktable.ts';
import type { Materialized, Named } from './options.ts';
import { Serdes } from '../engine-common/serde.ts';
import { EmitStrategy, type EmitStrategyValue, type SessionWindows, type Windowed } from './windows.ts';

/**
 * A grouped stream cut into sessions: Kafka Streams' `SessionWindowedKStream`. Aggregations give a
 * KTable keyed by `Windowed<K>`, updated per record with a tombstone for each merged-away session
 * (default), or emitted once per session when it closes (`emitStrategy(EmitStrategy.onWindowClose())`).
 */
export class SessionWindowedKStream<K, V> {
  private readonly grouped: KGroupedStream<K, V>;
  private readonly windows: SessionWindows;
  private emit: EmitStrategyValue = EmitStrategy.onWindowUpdate();

  /** @internal Use KGroupedStream.windowedBy(SessionWindows). */
  constructor(grouped: KGroupedStream<K, V>, windows: SessionWindows) {
    this.grouped = grouped;
    this.windows = windows;
  }

  emitStrategy(strategy: EmitStrategyValue): this {
    this.emit = strategy;
    return this;
  }

  count(materialized: Materialized<K, number> = {}, named?: Named): KTable<Windowed<K>, number> {
    return this.aggregate(
      () => 0,
      (_k, _v, count) => count + 1,
      (_k, a, b) => a + b,
      { ...materialized, valueSerde: materialized.valueSerde ?? Serdes.Long() },
      named,
    );
  }

  /** `merger` combines the aggregates of two sessions a record bridges. */
  aggregate<VA>(
    initializer: () => VA,
    aggregator: (key: K, value: V, aggregate: VA) => VA,
    merger: (key: K, left: VA, right: VA) => VA,
    materialized: Materialized<K, VA> = {},
    named?: Named,
  ): KTable<Windowed<K>, VA> {
    const windows = this.windows;
    const emit = this.emit;
    return this.grouped.aggregateKeyedBy<Windowed<K>, VA>(
      NamePrefix.AGGREGATE,
      materialized,
      named,
      (keySerde) => sessionStoreKeySerde(keySerde),
      materialized.valueSerde,
      (storeName) =>
        sessionAggregateProcessor<K, V, VA>({
          storeName,
          windows,
          emit,
          initializer,
          aggregator,
          merger,
        }),
      {
        // Sessions are kept until stream time passes their end by gap + grace: after that only a
        // late record could reach them (Kafka Streams' default session store retention).
        // Emit on close reads the closing sessions by segment: shorter segments (see
        // emitOnCloseSegmentIntervalMs).
        builder: (ctx, p) =>
          sessionStoreBuilder(ctx, p.storeName, p.materialized, p.keySerde, p.valueSerde, {
            retentionMs: windows.gapMs + windows.graceMs,
            ...(emit === 'close' ? { segmentIntervalMs: emitOnCloseSegmentIntervalMs(windows) } : {}),
          }),
        getter: (storeName) => sessionStoreValueGetter<K, VA>(storeName),
      },
    );
  }
}
