import type { Serde } from '../../engine-common/serde.ts';
import type { LayeredBytesOptions } from './layered-bytes-store.ts';

/** What a window or session store is built from (its builder fills it in). */
export interface SegmentedStoreConfig<K, V> extends LayeredBytesOptions {
  readonly persistent: boolean;
  readonly keySerde: Serde<K>;
  readonly valueSerde: Serde<V>;
  /** Segment length in ms (see `WindowedKeyCodec`). */
  readonly segmentIntervalMs: number;
}
