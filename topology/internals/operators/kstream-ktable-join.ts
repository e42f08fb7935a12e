import type { Processor, ProcessorContext, ProcessorSupplier } from '../../processor.ts';
import type { StreamRecord } from '../../../engine-common/record.ts';
import type { KTableValueGetterSupplier } from '../ktable-value-getter.ts';

/**
 * Kafka Streams' `KStreamKTableJoin`: each stream record looks up the table's current value for its
 * key. Inner join: no table value, no output; left join: the joiner gets null. Records with a null
 * key cannot be joined and are dropped, and so are records with a null value (as in Kafka Streams:
 * null is "no value", not something to join).
 */
export function streamTableJoinProcessor<K, V, VT, VR>(
  table: KTableValueGetterSupplier<K, VT>,
  joiner: (value: V, tableValue: VT | null, key: K) => VR,
  left: boolean,
): ProcessorSupplier<K, V, K, VR> {
  return (): Processor<K, V, K, VR> => {
    const getter = table.get();
    let context: ProcessorContext<K, VR>;
    return {
      init(ctx) {
        context = ctx;
        getter.init(ctx as ProcessorContext<unknown, unknown>);
      },
      async process(record: StreamRecord<K, V>) {
        if (record.key === null || record.key === undefined) return;
        if (record.value === null || record.value === undefined) return;
        const tableValue = await getter.get(record.key);
        if (tableValue === null && !left) return;
        context.forward(record.withValue(joiner(record.value, tableValue, record.key)));
      },
    };
  };
}

/**
 * Kafka Streams' `KStreamGlobalKTableJoin`: the lookup key comes from `keySelector(key, value)`,
 * so the stream needs no repartitioning (every instance holds the whole global table).
 */
export function streamGlobalTableJoinProcessor<K, V, GK, GV, VR>(
  table: KTableValueGetterSupplier<GK, GV>,
  keySelector: (key: K, value: V) => GK,
  joiner: (value: V, globalValue: GV | null) => VR,
  left: boolean,
): ProcessorSupplier<K, V, K, VR> {
  return (): Processor<K, V, K, VR> => {
    const getter = table.get();
    let context: ProcessorContext<K, VR>;
    return {
      init(ctx) {
        context = ctx;
        getter.init(ctx as ProcessorContext<unknown, unknown>);
      },
      async process(record: StreamRecord<K, V>) {
        const lookup = keySelector(record.key, record.value);
        const globalValue = lookup === null || lookup === undefined ? null : await getter.get(lookup);
        if (globalValue === null && !left) return;
        context.forward(record.withValue(joiner(record.value, globalValue)));
      },
    };
  };
}
