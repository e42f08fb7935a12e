import { TopologyError } from '../engine-common/errors.ts';
import type { Serde } from '../engine-common/serde.ts';
import type {
  KeyValueBytesStoreSupplier,
  SessionStore,
  StateStore,
  StateStoreContext,
  WindowStore,
} from './state-store.ts';
import { BaseStoreBuilder } from './store-builder-base.ts';
import type { SegmentedStoreConfig } from './internals/segmented-store-config.ts';
import { SegmentedSessionStore } from './internals/session-store.ts';
import { SegmentedWindowStore } from './internals/window-store.ts';

/**
 * Kafka Streams' `windowstore.changelog.additional.retention.ms` default: a windowed changelog
 * keeps records a day longer than the store, because topic retention counts from the record's
 * (wall-clock) timestamp while the store's counts in stream time, which may lag it.
 */
export const WINDOW_CHANGELOG_ADDITIONAL_RETENTION_MS = 86_400_000;

export interface SegmentedStoreOptions {
  /** Segment length; default max(retention / 2, 1 min), as Kafka Streams. */
  readonly segmentIntervalMs?: number;
}

function positiveInteger(value: number, what: string): number {
  if (!Number.isSafeInteger(value) || value <= 0)
    throw new TopologyError(`${what} must be a positive integer of ms, got ${value}`);
  return value;
}

/** What window and session store builders share: retention, segments, logging and caching switches. */
abstract class SegmentedStoreBuilder<K, V, S extends StateStore> extends BaseStoreBuilder<K, V, S> {
  readonly retentionMs: number;
  readonly segmentIntervalMs: number;

  constructor(
    supplier: KeyValueBytesStoreSupplier,
    keySerde: Serde<K>,
    valueSerde: Serde<V>,
    retentionMs: number,
    options: SegmentedStoreOptions,
  ) {
    super(supplier, keySerde, valueSerde);
    this.retentionMs = positiveInteger(retentionMs, `Store ${supplier.name}: retention`);
    this.segmentIntervalMs = positiveInteger(
      options.segmentIntervalMs ?? Math.max(Math.floor(retentionMs / 2), 60_000),
      `Store ${supplier.name}: segment interval`,
    );
  }

  /** Compacted (deletes are logged) and time-bounded, a day past the store's retention. */
  get logConfig(): Readonly<Record<string, string>> {
    return {
      ...this.extraLogConfig,
      'cleanup.policy': 'compact,delete',
      'retention.ms': String(this.retentionMs + WINDOW_CHANGELOG_ADDITIONAL_RETENTION_MS),
    };
  }

  protected storeOptions(): SegmentedStoreConfig<K, V> {
    return {
      name: this.name,
      persistent: this.supplier.persistent,
      keySerde: this.keySerde,
      valueSerde: this.valueSerde,
      segmentIntervalMs: this.segmentIntervalMs,
      loggingEnabled: this.logging,
      cachingEnabled: this.caching,
      inner: (context: StateStoreContext) => this.supplier.get(context),
    };
  }
}

/** A StoreBuilder for window stores. */
export class WindowStoreBuilder<K, V> extends SegmentedStoreBuilder<K, V, WindowStore<K, V>> {
  build(): WindowStore<K, V> {
    return new SegmentedWindowStore(this.storeOptions());
  }
}

/** A StoreBuilder for session stores. */
export class SessionStoreBuilder<K, V> extends SegmentedStoreBuilder<K, V, SessionStore<K, V>> {
  build(): SessionStore<K, V> {
    return new SegmentedSessionStore(this.storeOptions());
  }
}
