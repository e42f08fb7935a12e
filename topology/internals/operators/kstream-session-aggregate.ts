import type { KeyValue, SessionStore } from '../../../state-stores/state-store.ts';
import type { Processor, ProcessorContext, ProcessorSupplier } from '../../processor.ts';
import type { StreamRecord } from '../../../engine-common/record.ts';
import type { SessionWindows, Windowed } from '../../windows.ts';
import type { Change } from '../change.ts';

/** Sessions of one key never overlap: start order, end to break a tie (there is none in practice). */
function byStart<K, VA>(a: KeyValue<Windowed<K>, VA>, b: KeyValue<Windowed<K>, VA>): number {
  return a.key.window.start - b.key.window.start || a.key.window.end - b.key.window.end;
}

/**
 * Kafka Streams' `KStreamSessionWindowAggregate`: a record joins every session of its key within
 * `gap` of its timestamp; those sessions and the record merge into one (merged aggregates combined
 * with `merger`). Replaced sessions are retracted downstream (null), the merged one emitted; as in
 * Kafka Streams, each carries its session's end as timestamp. A record whose merged session ends
 * before stream time − grace is dropped as late. Only a null key is skipped: a null value is
 * aggregated (Kafka Streams' count counts it).
 *
 * Retention: a session that ended before stream time − grace − gap can only be reached by a record
 * at most `gap` after its end, itself before stream time − grace, so late, unless that record also
 * reaches a later session still open. Such sessions are no longer read (as in Kafka Streams, whose
 * session store retention is gap + grace), and the store drops their segments as stream time
 * moves on.
 */
export function sessionAggregateProcessor<K, V, VA>(options: {
  storeName: string;
  windows: SessionWindows;
  initializer: () => VA;
  aggregator: (key: K, value: V, aggregate: VA) => VA;
  merger: (key: K, left: VA, right: VA) => VA;
}): ProcessorSupplier<K, V, Windowed<K>, Change<VA>> {
  const { windows } = options;
  return (): Processor<K, V, Windowed<K>, Change<VA>> => {
    let context: ProcessorContext<Windowed<K>, Change<VA>>;
    let store: SessionStore<K, VA>;
    return {
      init(ctx) {
        context = ctx;
        store = ctx.getStateStore<SessionStore<K, VA>>(options.storeName);
      },
      async process(record: StreamRecord<K, V>) {
        if (record.key === null || record.key === undefined) return;
        const t = record.timestamp;
        const streamTime = context.currentStreamTimeMs();
        const retainedFrom = streamTime - windows.graceMs - windows.gapMs;
        // Merged in start order, as when sessions were read from a key-value store keyed by start.
        const sessions = (
          await store.findSessions(record.key, Math.max(t - windows.gapMs, retainedFrom), t + windows.gapMs)
        ).sort(byStart);
        const start = Math.min(t, ...sessions.map((s) => s.key.window.start));
        const end = Math.max(t, ...sessions.map((s) => s.key.window.end));
        // As in Kafka Streams: late when even the merged session ended before stream time − grace.
        if (end >= streamTime - windows.graceMs) {
          let aggregate = options.initializer();
          for (const session of sessions) {
            aggregate = options.merger(record.key, aggregate, session.value);
            await store.remove(session.key);
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
        }
        await store.expire(retainedFrom);
      },
    };
  };
}
