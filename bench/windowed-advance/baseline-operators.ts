/**
 * The windowed aggregations as they were before window and session stores (commit 68d9a48),
 * copied verbatim but for the names: state in a key-value store keyed by `Windowed<K>`, an
 * `all()` scan of it at every advance step, sessions never expired. The bench measures them as
 * the baseline, and a unit test checks the ported operators emit exactly what these did.
 */
import type { KeyValueStore } from '../../state-stores/state-store.ts';
import { SerdeError } from '../../engine-common/errors.ts';
import type { Change } from '../../topology/internals/change.ts';
import type { ValueAndTimestamp } from '../../topology/internals/timestamped.ts';
import type { Processor, ProcessorContext, ProcessorSupplier } from '../../topology/processor.ts';
import type { StreamRecord } from '../../engine-common/record.ts';
import type { Serde } from '../../engine-common/serde.ts';
import type { EmitStrategyValue, SessionWindows, TimeWindows, Windowed } from '../../topology/windows.ts';

/**
 * Kafka Streams' `KStreamWindowAggregate`: folds each record into every window containing its
 * timestamp. A record whose windows all closed (window end + grace ≤ stream time) is dropped as
 * late. Each window's aggregate is stored with the latest timestamp of its records, which its
 * results carry (Kafka Streams' timestamped window store). With emit-on-close, results are held
 * until stream time passes window end + grace, then emitted once; closed windows are then removed
 * from the store (retention = size + grace).
 */
export function baselineWindowAggregateProcessor<K, V, VA>(options: {
  storeName: string;
  windows: TimeWindows;
  emit: EmitStrategyValue;
  initializer: () => VA;
  aggregator: (key: K, value: V, aggregate: VA) => VA;
  onLate?: () => void;
}): ProcessorSupplier<K, V, Windowed<K>, Change<VA>> {
  const { windows } = options;
  return (): Processor<K, V, Windowed<K>, Change<VA>> => {
    let context: ProcessorContext<Windowed<K>, Change<VA>>;
    let store: KeyValueStore<Windowed<K>, ValueAndTimestamp<VA>>;
    let lastSwept = -1;
    const closed = (end: number, streamTime: number) => end + windows.graceMs <= streamTime;

    async function sweep(streamTime: number, record: StreamRecord<K, V>): Promise<void> {
      // A window [start, start + size) closes when stream time − grace reaches its end, and starts
      // are multiples of the advance: sweep once per step of (stream time − grace − size) / advance.
      const step = Math.floor((streamTime - windows.graceMs - windows.sizeMs) / windows.advanceMs);
      if (step === lastSwept) return;
      lastSwept = step;
      for (const { key, value } of await store.all()) {
        if (!closed(key.window.end, streamTime)) continue;
        if (options.emit === 'close') {
          context.forward(
            record
              .withKey(key)
              .withValue<Change<VA>>({ newValue: value.value, oldValue: null })
              .withTimestamp(value.timestamp),
          );
        }
        await store.delete(key);
      }
    }

    return {
      init(ctx) {
        context = ctx;
        store = ctx.getStateStore<KeyValueStore<Windowed<K>, ValueAndTimestamp<VA>>>(options.storeName);
      },
      async process(record: StreamRecord<K, V>) {
        // As Kafka Streams: only a null key is skipped; a null value is aggregated (count counts it).
        if (record.key === null || record.key === undefined) return;
        const streamTime = context.currentStreamTimeMs();
        let applied = false;
        for (const window of windows.windowsFor(record.timestamp)) {
          if (closed(window.end, streamTime)) continue;
          applied = true;
          const key: Windowed<K> = { key: record.key, window };
          const stored = (await store.get(key)) ?? null;
          const old = stored === null ? null : stored.value;
          const next = options.aggregator(record.key, record.value, old ?? options.initializer());
          const timestamp = Math.max(stored?.timestamp ?? record.timestamp, record.timestamp);
          await store.put(key, { value: next, timestamp });
          if (options.emit === 'update') {
            context.forward(
              record
                .withKey(key)
                .withValue<Change<VA>>({ newValue: next, oldValue: old })
                .withTimestamp(timestamp),
            );
          }
        }
        if (!applied) options.onLate?.();
        await sweep(streamTime, record);
      },
    };
  };
}

/**
 * Store key of a session: `<key length:4><key bytes><start:8><end:8>`, so all sessions of one key
 * are one prefix scan, in start order.
 */
export function baselineSessionStoreKeySerde<K>(inner: Serde<K>): Serde<Windowed<K>> {
  return {
    serialize: (topic, windowed) => {
      const key = inner.serialize(topic, windowed.key);
      const out = Buffer.alloc(4 + key.length + 16);
      out.writeUInt32BE(key.length, 0);
      key.copy(out, 4);
      out.writeBigInt64BE(BigInt(windowed.window.start), 4 + key.length);
      out.writeBigInt64BE(BigInt(windowed.window.end), 12 + key.length);
      return out;
    },
    deserialize: (topic, data) => {
      const length = data.readUInt32BE(0);
      if (data.length !== 4 + length + 16) throw new SerdeError(`Session store key on ${topic} is malformed`);
      return {
        key: inner.deserialize(topic, data.subarray(4, 4 + length)),
        window: {
          start: Number(data.readBigInt64BE(4 + length)),
          end: Number(data.readBigInt64BE(12 + length)),
        },
      };
    },
  };
}

function keyPrefix<K>(inner: Serde<K>, topic: string, key: K): Buffer {
  const bytes = inner.serialize(topic, key);
  const out = Buffer.alloc(4 + bytes.length);
  out.writeUInt32BE(bytes.length, 0);
  bytes.copy(out, 4);
  return out;
}

/**
 * Kafka Streams' `KStreamSessionWindowAggregate`: a record joins every session of its key within
 * `gap` of its timestamp; those sessions and the record merge into one (merged aggregates combined
 * with `merger`). Replaced sessions are retracted downstream (null), the merged one emitted; as in
 * Kafka Streams, each carries its session's end as timestamp. A record whose merged session ends
 * before stream time − grace is dropped as late. Only a null key is skipped: a null value is
 * aggregated (Kafka Streams' count counts it).
 */
export function baselineSessionAggregateProcessor<K, V, VA>(options: {
  storeName: string;
  keySerde: Serde<K>;
  windows: SessionWindows;
  initializer: () => VA;
  aggregator: (key: K, value: V, aggregate: VA) => VA;
  merger: (key: K, left: VA, right: VA) => VA;
}): ProcessorSupplier<K, V, Windowed<K>, Change<VA>> {
  const { windows } = options;
  return (): Processor<K, V, Windowed<K>, Change<VA>> => {
    let context: ProcessorContext<Windowed<K>, Change<VA>>;
    let store: KeyValueStore<Windowed<K>, VA>;
    return {
      init(ctx) {
        context = ctx;
        store = ctx.getStateStore<KeyValueStore<Windowed<K>, VA>>(options.storeName);
      },
      async process(record: StreamRecord<K, V>) {
        if (record.key === null || record.key === undefined) return;
        const t = record.timestamp;
        // Kafka Streams' bounds (the operator's since the session-count-late-edges oracle case):
        // sessions ending after the close time are read, a merged session ending before it is late.
        const closeTime = context.currentStreamTimeMs() - windows.graceMs - windows.gapMs;
        const sessions = (
          await store.prefixScan(keyPrefix(options.keySerde, options.storeName, record.key))
        ).filter(
          (session) =>
            session.key.window.end >= Math.max(t - windows.gapMs, closeTime + 1) &&
            session.key.window.start <= t + windows.gapMs,
        );
        const start = Math.min(t, ...sessions.map((s) => s.key.window.start));
        const end = Math.max(t, ...sessions.map((s) => s.key.window.end));
        if (end < closeTime) return;
        let aggregate = options.initializer();
        for (const session of sessions) {
          aggregate = options.merger(record.key, aggregate, session.value);
          await store.delete(session.key);
          context.forward(
            record
              .withKey(session.key)
              .withValue<Change<VA>>({ newValue: null, oldValue: session.value })
              .withTimestamp(session.key.window.end),
          );
        }
        aggregate = options.aggregator(record.key, record.value, aggregate);
        const merged: Windowed<K> = { key: record.key, window: { start, end } };
        await store.put(merged, aggregate);
        context.forward(
          record
            .withKey(merged)
            .withValue<Change<VA>>({ newValue: aggregate, oldValue: null })
            .withTimestamp(end),
        );
      },
    };
  };
}
