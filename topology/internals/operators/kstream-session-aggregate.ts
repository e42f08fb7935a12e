import type { KeyValueStore } from '../../../state-stores/state-store.ts';
import { SerdeError } from '../../errors.ts';
import type { Processor, ProcessorContext, ProcessorSupplier } from '../../processor.ts';
import type { StreamRecord } from '../../record.ts';
import type { Serde } from '../../serde.ts';
import type { SessionWindows, Windowed } from '../../windows.ts';
import type { Change } from '../change.ts';

/**
 * Store key of a session: `<key length:4><key bytes><start:8><end:8>`, so all sessions of one key
 * are one prefix scan, in start order.
 */
export function sessionStoreKeySerde<K>(inner: Serde<K>): Serde<Windowed<K>> {
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
export function sessionAggregateProcessor<K, V, VA>(options: {
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
        const sessions = (
          await store.prefixScan(keyPrefix(options.keySerde, options.storeName, record.key))
        ).filter(
          (session) =>
            session.key.window.end >= t - windows.gapMs && session.key.window.start <= t + windows.gapMs,
        );
        const start = Math.min(t, ...sessions.map((s) => s.key.window.start));
        const end = Math.max(t, ...sessions.map((s) => s.key.window.end));
        // As in Kafka Streams: late when even the merged session ended before stream time − grace.
        if (end < context.currentStreamTimeMs() - windows.graceMs) return;
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
