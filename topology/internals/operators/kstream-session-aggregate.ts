import type { KeyValue, SessionStore } from '../../../state-stores/state-store.ts';
import type { Processor, ProcessorContext, ProcessorSupplier } from '../../processor.ts';
import type { StreamRecord } from '../../../engine-common/record.ts';
import type { EmitStrategyValue, SessionWindows, Windowed } from '../../windows.ts';
import type { Change } from '../change.ts';

/** Sessions of one key never overlap: start order, end to break a tie (there is none in practice). */
function byStart<K, VA>(a: KeyValue<Windowed<K>, VA>, b: KeyValue<Windowed<K>, VA>): number {
  return a.key.window.start - b.key.window.start || a.key.window.end - b.key.window.end;
}

/** Which sessions a record may reach and when it is late, at a stream time. */
interface Bounds {
  /** Sessions that end before this are not read (merged into) any more. */
  readonly findFrom: number;
  /** A record whose merged session ends before this is dropped as late. */
  readonly lateBefore: number;
}

/**
 * The session store's segment length for emit-on-close. Each emit step reads the segments holding
 * the closing session ends, whole: with the default segments (at least a minute) that would be
 * every live session at each step. Half the retention (gap + grace) bounds it to about half of
 * them, while a key's live sessions (ends within gap + grace of stream time) span at most three.
 */
export function emitOnCloseSegmentIntervalMs(windows: SessionWindows): number {
  return Math.max(1, Math.floor((windows.gapMs + windows.graceMs) / 2));
}

/**
 * Kafka Streams' `KStreamSessionWindowAggregate`: a record joins every session of its key within
 * `gap` of its timestamp; those sessions and the record merge into one (merged aggregates combined
 * with `merger`). Only a null key is skipped: a null value is aggregated (Kafka Streams' count
 * counts it). Results carry their session's end as timestamp, as in Kafka Streams.
 *
 * Emit on update (default): replaced sessions are retracted downstream (null), the merged one
 * emitted. A record whose merged session ends before stream time − grace is dropped as late.
 * Retention: a session that ended before stream time − grace − gap can only be reached by a record
 * at most `gap` after its end, itself before stream time − grace, so late, unless that record also
 * reaches a later session still open. Such sessions are no longer read (as in Kafka Streams, whose
 * session store retention is gap + grace), and the store drops their segments as stream time
 * moves on.
 *
 * Emit on close (KIP-825): nothing is forwarded per record (no update, no tombstone for a merged
 * session); a session is closed once its end is before stream time − gap − grace (Kafka Streams'
 * window close time), and `emitClosed` then forwards its final aggregate once.
 */
export function sessionAggregateProcessor<K, V, VA>(options: {
  storeName: string;
  windows: SessionWindows;
  emit: EmitStrategyValue;
  initializer: () => VA;
  aggregator: (key: K, value: V, aggregate: VA) => VA;
  merger: (key: K, left: VA, right: VA) => VA;
}): ProcessorSupplier<K, V, Windowed<K>, Change<VA>> {
  const { windows } = options;
  const onClose = options.emit === 'close';
  const bounds = (streamTime: number): Bounds => {
    const closeTime = streamTime - windows.graceMs - windows.gapMs;
    // As Kafka Streams ≥ 3.0 in both emit modes (oracle cases session-count-late-edges,
    // session-count-on-close*): a record is late only when its session would end before the close
    // time (KAFKA-12718), and the time-ordered store reads sessions ending after the close time
    // only (retention gap + grace, exclusive bound).
    return { findFrom: closeTime + 1, lateBefore: closeTime };
  };

  return (): Processor<K, V, Windowed<K>, Change<VA>> => {
    let context: ProcessorContext<Windowed<K>, Change<VA>>;
    let store: SessionStore<K, VA>;
    // Close time up to which sessions were emitted; -1 after a restart, which re-emits nothing
    // since emitted sessions are removed from the store.
    let emittedBefore = -1;

    function forward(record: StreamRecord<K, V>, key: Windowed<K>, change: Change<VA>): void {
      context.forward(record.withKey(key).withValue(change).withTimestamp(key.window.end));
    }

    /**
     * Forwards the sessions that closed since the last step, in Kafka Streams' order (end, start,
     * key bytes), reading only the store segments covering those end times. Each is then removed:
     * no later record can reach it (it ends before the find bound), and the store no longer holds
     * it, so a restart re-emits nothing.
     */
    async function emitClosed(record: StreamRecord<K, V>, closeTime: number): Promise<void> {
      if (closeTime <= emittedBefore || closeTime <= 0) return;
      const closed = await store.findSessionsEndingIn(Math.max(0, emittedBefore), closeTime - 1);
      for (const session of closed) {
        forward(record, session.key, { newValue: session.value, oldValue: null });
        await store.remove(session.key);
      }
      emittedBefore = closeTime;
      await store.expire(closeTime);
    }

    return {
      init(ctx) {
        context = ctx;
        store = ctx.getStateStore<SessionStore<K, VA>>(options.storeName);
      },
      async process(record: StreamRecord<K, V>) {
        if (record.key === null || record.key === undefined) return;
        const t = record.timestamp;
        const streamTime = context.currentStreamTimeMs();
        const { findFrom, lateBefore } = bounds(streamTime);
        // Merged in start order, as when sessions were read from a key-value store keyed by start.
        const sessions = (
          await store.findSessions(record.key, Math.max(t - windows.gapMs, findFrom), t + windows.gapMs)
        ).sort(byStart);
        const start = Math.min(t, ...sessions.map((s) => s.key.window.start));
        const end = Math.max(t, ...sessions.map((s) => s.key.window.end));
        if (end >= lateBefore) {
          let aggregate = options.initializer();
          for (const session of sessions) {
            aggregate = options.merger(record.key, aggregate, session.value);
            await store.remove(session.key);
            if (!onClose) forward(record, session.key, { newValue: null, oldValue: session.value });
          }
          aggregate = options.aggregator(record.key, record.value, aggregate);
          const merged: Windowed<K> = { key: record.key, window: { start, end } };
          await store.put(merged, aggregate);
          if (!onClose) forward(record, merged, { newValue: aggregate, oldValue: null });
        }
        if (onClose) await emitClosed(record, streamTime - windows.graceMs - windows.gapMs);
        else await store.expire(findFrom);
      },
    };
  };
}
