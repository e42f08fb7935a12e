import type { SessionStore, WindowStore } from '../../state-stores/state-store.ts';
import type { Windowed } from '../windows.ts';
import type { KTableValueGetterSupplier } from './ktable-value-getter.ts';
import type { ValueAndTimestamp } from './timestamped.ts';

/** Reads a time-windowed aggregation's table: the window's aggregate, without its timestamp. */
export function windowStoreValueGetter<K, V>(storeName: string): KTableValueGetterSupplier<Windowed<K>, V> {
  return {
    storeNames: [storeName],
    get() {
      let store: WindowStore<K, ValueAndTimestamp<V>>;
      return {
        init(context) {
          store = context.getStateStore<WindowStore<K, ValueAndTimestamp<V>>>(storeName);
        },
        async get(windowed) {
          return (await store.fetch(windowed.key, windowed.window.start))?.value ?? null;
        },
      };
    },
  };
}

/** Reads a session-windowed aggregation's table: the session's aggregate (Kafka Streams' fetchSession). */
export function sessionStoreValueGetter<K, V>(storeName: string): KTableValueGetterSupplier<Windowed<K>, V> {
  return {
    storeNames: [storeName],
    get() {
      let store: SessionStore<K, V>;
      return {
        init(context) {
          store = context.getStateStore<SessionStore<K, V>>(storeName);
        },
        async get(windowed) {
          return (await store.fetchSession(windowed.key, windowed.window.start, windowed.window.end)) ?? null;
        },
      };
    },
  };
}
