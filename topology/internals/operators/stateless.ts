import type { KeyValue } from '../../../state-stores/state-store.ts';
import { TopologyError } from '../../../engine-common/errors.ts';
import type { Processor, ProcessorContext, ProcessorSupplier } from '../../processor.ts';
import type { StreamRecord } from '../../../engine-common/record.ts';

type Forward<K, V> = (record: StreamRecord<K, V>, childName?: string) => void;

/** A processor that only looks at each record and forwards zero or more records. */
export function forwarding<KIn, VIn, KOut, VOut>(
  handle: (record: StreamRecord<KIn, VIn>, forward: Forward<KOut, VOut>) => void,
): ProcessorSupplier<KIn, VIn, KOut, VOut> {
  return (): Processor<KIn, VIn, KOut, VOut> => {
    let context: ProcessorContext<KOut, VOut> | null = null;
    const forward: Forward<KOut, VOut> = (record, childName) => {
      if (!context) throw new TopologyError('Processor used before init()');
      context.forward(record, childName);
    };
    return {
      init(ctx) {
        context = ctx;
      },
      process(record) {
        handle(record, forward);
      },
    };
  };
}

export function filterProcessor<K, V>(
  predicate: (key: K, value: V) => boolean,
  negate: boolean,
): ProcessorSupplier<K, V, K, V> {
  return forwarding<K, V, K, V>((record, forward) => {
    if (predicate(record.key, record.value) !== negate) forward(record);
  });
}

export function mapProcessor<K, V, KR, VR>(
  mapper: (key: K, value: V) => KeyValue<KR, VR>,
): ProcessorSupplier<K, V, KR, VR> {
  return forwarding<K, V, KR, VR>((record, forward) => {
    const out = mapper(record.key, record.value);
    forward(record.withKey(out.key).withValue(out.value));
  });
}

export function mapValuesProcessor<K, V, VR>(
  mapper: (value: V, key: K) => VR,
): ProcessorSupplier<K, V, K, VR> {
  return forwarding<K, V, K, VR>((record, forward) =>
    forward(record.withValue(mapper(record.value, record.key))),
  );
}

export function flatMapProcessor<K, V, KR, VR>(
  mapper: (key: K, value: V) => Iterable<KeyValue<KR, VR>>,
): ProcessorSupplier<K, V, KR, VR> {
  return forwarding<K, V, KR, VR>((record, forward) => {
    for (const out of mapper(record.key, record.value)) forward(record.withKey(out.key).withValue(out.value));
  });
}

export function flatMapValuesProcessor<K, V, VR>(
  mapper: (value: V, key: K) => Iterable<VR>,
): ProcessorSupplier<K, V, K, VR> {
  return forwarding<K, V, K, VR>((record, forward) => {
    for (const value of mapper(record.value, record.key)) forward(record.withValue(value));
  });
}

export function selectKeyProcessor<K, V, KR>(
  mapper: (key: K, value: V) => KR,
): ProcessorSupplier<K, V, KR, V> {
  return forwarding<K, V, KR, V>((record, forward) =>
    forward(record.withKey(mapper(record.key, record.value))),
  );
}

/** `peek` forwards; `foreach` is terminal. */
export function peekProcessor<K, V>(
  action: (key: K, value: V) => void,
  forwardRecords: boolean,
): ProcessorSupplier<K, V, K, V> {
  return forwarding<K, V, K, V>((record, forward) => {
    action(record.key, record.value);
    if (forwardRecords) forward(record);
  });
}

export function passThroughProcessor<K, V>(): ProcessorSupplier<K, V, K, V> {
  return forwarding<K, V, K, V>((record, forward) => forward(record));
}

/**
 * `split()`: the first matching predicate's branch gets the record; the default branch (when
 * present, always last in `childNames`) gets the rest. Both arrays are shared with the
 * BranchedKStream so branches added after the node is created are seen.
 */
export function branchProcessor<K, V>(
  predicates: readonly ((key: K, value: V) => boolean)[],
  childNames: readonly string[],
): ProcessorSupplier<K, V, K, V> {
  return forwarding<K, V, K, V>((record, forward) => {
    for (let i = 0; i < predicates.length; i++) {
      const predicate = predicates[i] as (key: K, value: V) => boolean;
      if (predicate(record.key, record.value)) {
        forward(record, childNames[i]);
        return;
      }
    }
    if (childNames.length > predicates.length) forward(record, childNames[predicates.length]);
  });
}
