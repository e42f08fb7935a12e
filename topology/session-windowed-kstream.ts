import {
  sessionAggregateProcessor,
  sessionStoreKeySerde,
} from './internals/operators/kstream-session-aggregate.ts';
import { NamePrefix } from './internals/repartition.ts';
import type { KGroupedStream } from './kgrouped-stream.ts';
import type { KTable } from './ktable.ts';
import type { Materialized, Named } from './options.ts';
import { Serdes } from './serde.ts';
import type { SessionWindows, Windowed } from './windows.ts';

/** A grouped stream cut into sessions: Kafka Streams' `SessionWindowedKStream`. */
export class SessionWindowedKStream<K, V> {
  private readonly grouped: KGroupedStream<K, V>;
  private readonly windows: SessionWindows;

  /** @internal Use KGroupedStream.windowedBy(SessionWindows). */
  constructor(grouped: KGroupedStream<K, V>, windows: SessionWindows) {
    this.grouped = grouped;
    this.windows = windows;
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
    let innerKeySerde = this.grouped.keySerde;
    return this.grouped.aggregateKeyedBy<Windowed<K>, VA>(
      NamePrefix.AGGREGATE,
      materialized,
      named,
      (keySerde) => {
        innerKeySerde = keySerde;
        return sessionStoreKeySerde(keySerde);
      },
      materialized.valueSerde,
      (storeName) =>
        sessionAggregateProcessor<K, V, VA>({
          storeName,
          keySerde: innerKeySerde as NonNullable<typeof innerKeySerde>,
          windows,
          initializer,
          aggregator,
          merger,
        }),
    );
  }
}
