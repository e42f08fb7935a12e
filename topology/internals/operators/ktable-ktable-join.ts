import type { Processor, ProcessorContext, ProcessorSupplier } from '../../processor.ts';
import type { StreamRecord } from '../../../engine-common/record.ts';
import type { Change } from '../change.ts';
import type { KTableValueGetter, KTableValueGetterSupplier } from '../ktable-value-getter.ts';

export type TableJoinKind = 'inner' | 'left' | 'outer';

/** The joined value for one side's value and the other side's, or null when the join kind has no row. */
export function joinValues<V1, V2, VR>(
  kind: TableJoinKind,
  joiner: (left: V1 | null, right: V2 | null) => VR,
  left: V1 | null,
  right: V2 | null,
): VR | null {
  if (left === null && right === null) return null;
  if (kind === 'inner' && (left === null || right === null)) return null;
  if (kind === 'left' && left === null) return null;
  return joiner(left, right);
}

/**
 * One side of Kafka Streams' `KTableKTableJoin`: a change on this side is joined with the other
 * side's current value; the old joined value is recomputed too, so downstream tables can retract it.
 */
export function tableJoinSideProcessor<K, VThis, VOther, VR>(
  other: KTableValueGetterSupplier<K, VOther>,
  combine: (mine: VThis | null, theirs: VOther | null) => VR | null,
): ProcessorSupplier<K, Change<VThis>, K, Change<VR>> {
  return (): Processor<K, Change<VThis>, K, Change<VR>> => {
    const getter: KTableValueGetter<K, VOther> = other.get();
    let context: ProcessorContext<K, Change<VR>>;
    return {
      init(ctx) {
        context = ctx;
        getter.init(ctx as ProcessorContext<unknown, unknown>);
      },
      async process(record: StreamRecord<K, Change<VThis>>) {
        if (record.key === null || record.key === undefined) return;
        const theirs = await getter.get(record.key);
        const newValue = combine(record.value.newValue, theirs);
        const oldValue = combine(record.value.oldValue, theirs);
        if (newValue === null && oldValue === null) return;
        context.forward(record.withValue<Change<VR>>({ newValue, oldValue }));
      },
    };
  };
}

/** The joined table's value getter: both sides' current values, joined. */
export function joinedValueGetter<K, V1, V2, VR>(
  left: KTableValueGetterSupplier<K, V1>,
  right: KTableValueGetterSupplier<K, V2>,
  combine: (l: V1 | null, r: V2 | null) => VR | null,
): KTableValueGetterSupplier<K, VR> {
  return {
    storeNames: [...new Set([...left.storeNames, ...right.storeNames])],
    get() {
      const l = left.get();
      const r = right.get();
      return {
        init(context) {
          l.init(context);
          r.init(context);
        },
        async get(key) {
          return combine(await l.get(key), await r.get(key));
        },
      };
    },
  };
}
