/**
 * A windowed count by key on either code path: `baseline` (the old operators over a key-value
 * store, `baseline-operators.ts`) or `segmented` (the operators and the window/session stores of
 * today), in memory or on RocksDB, as the DSL would build them.
 */
import { Stores, type KeyValueBytesStoreSupplier } from '../../state-stores/index.ts';
import type { StoreBuilder } from '../../state-stores/state-store.ts';
import {
  emitOnCloseSegmentIntervalMs,
  sessionAggregateProcessor,
} from '../../topology/internals/operators/kstream-session-aggregate.ts';
import { windowAggregateProcessor } from '../../topology/internals/operators/kstream-window-aggregate.ts';
import { valueAndTimestampSerde } from '../../topology/internals/timestamped.ts';
import type { ProcessorSupplier } from '../../topology/processor.ts';
import type { Change } from '../../topology/internals/change.ts';
import { Serdes } from '../../engine-common/serde.ts';
import {
  WindowedSerdes,
  type EmitStrategyValue,
  type SessionWindows,
  type TimeWindows,
  type Windowed,
} from '../../topology/windows.ts';
import { baselineSessionAggregateProcessor, baselineSessionStoreKeySerde } from './baseline-operators.ts';
import { baselineWindowAggregateProcessor } from './baseline-operators.ts';
import { ProcessorHarness } from './harness.ts';

export type CodePath = 'baseline' | 'segmented';
export type Backend = 'memory' | 'rocksdb';

export type CountHarness = ProcessorHarness<string, string, Windowed<string>, number>;

const STORE = 'counts';
const count = {
  initializer: () => 0,
  aggregator: (_key: string, _value: string, n: number) => n + 1,
};

function supplier(backend: Backend): KeyValueBytesStoreSupplier {
  return backend === 'memory' ? Stores.inMemoryKeyValueStore(STORE) : Stores.persistentKeyValueStore(STORE);
}

export function timeWindowedCount(options: {
  path: CodePath;
  backend: Backend;
  windows: TimeWindows;
  emit: EmitStrategyValue;
  stateDir: string;
  collect: boolean;
}): Promise<CountHarness> {
  const { windows, emit } = options;
  const value = valueAndTimestampSerde(Serdes.Long());
  let store: StoreBuilder;
  let processor: ProcessorSupplier<string, string, Windowed<string>, Change<number>>;
  if (options.path === 'baseline') {
    store = Stores.keyValueStoreBuilder(
      supplier(options.backend),
      WindowedSerdes.timeWindowedSerdeFrom(Serdes.String(), windows.sizeMs),
      value,
    );
    processor = baselineWindowAggregateProcessor({ storeName: STORE, windows, emit, ...count });
  } else {
    store = Stores.windowStoreBuilder(
      supplier(options.backend),
      Serdes.String(),
      value,
      windows.sizeMs + windows.graceMs,
      { segmentIntervalMs: windows.advanceMs },
    );
    processor = windowAggregateProcessor({
      storeName: STORE,
      keySerde: Serdes.String(),
      windows,
      emit,
      ...count,
    });
  }
  return ProcessorHarness.start({ store, processor, stateDir: options.stateDir, collect: options.collect });
}

export function sessionCount(options: {
  path: CodePath;
  backend: Backend;
  windows: SessionWindows;
  /** Default on update; the baseline only has that. */
  emit?: EmitStrategyValue;
  stateDir: string;
  collect: boolean;
}): Promise<CountHarness> {
  const { windows } = options;
  const emit = options.emit ?? 'update';
  const merger = (_key: string, a: number, b: number) => a + b;
  let store: StoreBuilder;
  let processor: ProcessorSupplier<string, string, Windowed<string>, Change<number>>;
  if (options.path === 'baseline') {
    if (emit !== 'update') throw new Error('the baseline session aggregation only emits on update');
    store = Stores.keyValueStoreBuilder(
      supplier(options.backend),
      baselineSessionStoreKeySerde(Serdes.String()),
      Serdes.Long(),
    );
    processor = baselineSessionAggregateProcessor({
      storeName: STORE,
      keySerde: Serdes.String(),
      windows,
      merger,
      ...count,
    });
  } else {
    store = Stores.sessionStoreBuilder(
      supplier(options.backend),
      Serdes.String(),
      Serdes.Long(),
      windows.gapMs + windows.graceMs,
      emit === 'close' ? { segmentIntervalMs: emitOnCloseSegmentIntervalMs(windows) } : {},
    );
    processor = sessionAggregateProcessor({ storeName: STORE, windows, emit, merger, ...count });
  }
  return ProcessorHarness.start({ store, processor, stateDir: options.stateDir, collect: options.collect });
}
